"""Run the fault tolerance and security proof suite and print one line per scenario (CI runs this).

    python -m tests.faults.run_suite [extra pytest arguments]
    python -m tests.faults.run_suite --report results.xml   # the table of a run that already happened

Exits non-zero when any scenario failed or errored. CI runs the whole test suite once with a JUnit
report and prints this table from it (`--report`), rather than running the fault suite twice.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
THEMES = {
    "test_worker_kill": "worker SIGKILL",
    "test_service_restarts": "service restarts",
    "test_remote_failures": "remote failures",
    "test_concurrency": "concurrency",
    "test_fuzz_parsers": "bad input (parsers)",
    "test_fuzz_api": "bad input (API)",
    "test_identifiers": "identifiers",
    "test_security": "security",
    "test_webhook_faults": "webhook delivery",
    "test_adversarial": "adversarial input",
}


@dataclass(frozen=True)
class Scenario:
    theme: str
    name: str
    result: str
    seconds: float
    note: str


def scenarios(report: Path) -> list[Scenario]:
    found = []
    for case in ET.parse(report).getroot().iter("testcase"):
        if not case.get("classname", "").startswith("tests.faults."):
            continue
        module = case.get("classname", "").rsplit(".", 1)[-1]
        outcome, note = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, note = ("failed" if child.tag == "failure" else "error"), child.get("message", "")
            elif child.tag == "skipped":
                is_xfail = child.get("type") == "pytest.xfail"
                outcome, note = ("xfail" if is_xfail else "skipped"), child.get("message", "")
            elif child.tag == "properties":
                note = "; ".join(p.get("value", "") for p in child if p.get("name") == "outcome") or note
        found.append(Scenario(THEMES.get(module, module), case.get("name", ""), outcome,
                              float(case.get("time", 0)), " ".join(note.split())[:100]))
    return found


def table(rows: list[Scenario]) -> str:
    header = ("theme", "scenario", "result", "seconds", "note")
    cells = [header] + [(r.theme, r.name, r.result.upper(), f"{r.seconds:.1f}", r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header) - 1)]
    lines = []
    for index, cell in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(cell[:-1], widths, strict=True)) + "  " + cell[-1])
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 4)
    return "\n".join(lines)


def summarize(rows: list[Scenario], returncode: int) -> int:
    print()
    print(table(rows))
    bad = [r for r in rows if r.result in ("failed", "error")]
    counts = {result: sum(r.result == result for r in rows) for result in ("passed", "failed", "error", "xfail",
                                                                           "skipped")}
    print("\n" + ", ".join(f"{n} {k}" for k, n in counts.items() if n) + f" in {sum(r.seconds for r in rows):.0f} s")
    return 1 if bad or returncode not in (0, 5) or not rows else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--report"]:
        return summarize(scenarios(Path(argv[1])), 0)
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "faults.xml"
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", str(HERE), "-m", "faults", "-q", "-p", "no:cacheprovider",
             f"--junitxml={report}", "-o", "junit_family=xunit1", *argv],
            cwd=ROOT, check=False,
        )
        if not report.exists():
            print("the suite did not produce a report", file=sys.stderr)
            return completed.returncode or 1
        rows = scenarios(report)
    return summarize(rows, completed.returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
