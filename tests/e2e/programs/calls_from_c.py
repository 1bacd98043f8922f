"""Python entered from C all the time (asyncio callbacks, generators,
__getattr__ through a type slot, exceptions): each entry links a new frame,
and a sample landing half-way through must not crash the program."""
import asyncio, time
def gen(n):
    for i in range(n):
        yield i * i
async def worker(k):
    total = 0
    for r in range(200):
        total += sum(gen(2000))
        await asyncio.sleep(0)
    return total
async def main():
    res = await asyncio.gather(*(worker(k) for k in range(8)))
    print(len(res))
asyncio.run(main())
class C:
    def __init__(self): self.d = {}
    def __getattr__(self, n): return n
c = C()
t = time.perf_counter()
while time.perf_counter() - t < 0.5:
    [c.foo for _ in range(1000)]
    try:
        raise ValueError("x")
    except ValueError:
        pass
