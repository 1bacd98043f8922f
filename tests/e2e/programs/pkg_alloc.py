"""A 50 MB bytearray on line 5, kept to the end; prints sys.prefix."""
import sys

MB = 1_000_000
block = bytearray(50 * MB)
print(sys.prefix)
