"""Worker memory: the whole process tree (main process and pool children), sampled while the benchmark runs."""

from __future__ import annotations

import threading
import time

import psutil


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_rss(pid: int) -> int:
    """Resident memory summed over the tree (pages shared between forked processes counted in each)."""
    try:
        return sum(p.memory_info().rss for p in tree(pid))
    except psutil.Error:
        return 0


def tree_pss(pid: int) -> int:
    """Proportional set size summed over the tree: shared pages split between the processes sharing them."""
    try:
        return sum(p.memory_full_info().pss for p in tree(pid))
    except (psutil.Error, AttributeError):
        return 0


class MemorySampler(threading.Thread):
    """Peak RSS of one worker tree, sampled every 100 ms (a sample lists every process of the machine to find the
    tree's, ~2 ms of CPU: sampling faster took a visible share of the two cores from the sync it watched)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_tree = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak_tree = max(self.peak_tree, tree_rss(self.pid))
            time.sleep(0.1)


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"
