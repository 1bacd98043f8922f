// newdelete.cc: C++ new/delete (and new[]/delete[], nothrow, aligned new)
// under the interposer, as a C++ extension would use them.
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct alignas(64) Aligned {
    char bytes[64];
};

int main()
{
    std::vector<std::string> v;
    for (int i = 0; i < 200000; i++)
        v.push_back(std::string(static_cast<size_t>(i % 300), 'x'));
    for (int round = 0; round < 50; round++) {
        int *a = new int[10000];
        std::memset(a, 0, sizeof(int) * 10000);
        delete[] a;
        auto p = std::make_unique<Aligned>();
        p->bytes[0] = 1;
        char *q = new (std::nothrow) char[1 << 20];
        if (!q)
            return 1;
        delete[] q;
    }
    size_t total = 0;
    for (auto &s : v)
        total += s.size();
    std::printf("%zu\n", total);
    return total == 29890000 ? 0 : 1;
}
