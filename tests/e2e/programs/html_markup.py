"""Source lines that look like markup: the HTML report must show them as
text, never run or render them. The busy line below holds the markup, so
it gets samples and shows in the report with its source. MARKUP_SECONDS sets
how long it runs (default 0.3).
"""
import os
import time

SECONDS = float(os.environ.get("MARKUP_SECONDS", "0.3"))


def markup_work(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += len("</script><script>alert(1)</script>" + "<b>x</b> &amp; &lt;i&gt;" * 40)  # <!-- -->
    return n


if __name__ == "__main__":
    print(markup_work(SECONDS))
