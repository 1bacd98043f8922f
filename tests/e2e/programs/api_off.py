"""Run under `footprint run --off`: only the stretches between
footprint.start() and footprint.stop() are recorded.

  before()   30 MB, not recorded      inside()   40 MB, recorded
  between()  35 MB, not recorded      again()    20 MB, recorded
"""
import footprint

MB = 1_000_000


def before():
    return bytearray(30 * MB)


def inside():
    return bytearray(40 * MB)


def between():
    return bytearray(35 * MB)


def again():
    return bytearray(20 * MB)


kept = [before()]
footprint.start()
kept.append(inside())
print("stop returns", footprint.stop())
kept.append(between())
footprint.start()
kept.append(again())
footprint.stop()
print("done")
