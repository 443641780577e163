"""The issue's targets, judged on one run's figures; the table on stdout; the JSON file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Issue 22's targets: (least throughput as a share of the ceiling's, p99 under ms), at 16
# connections on 100,000 clients.
PAGE_TARGETS = {
    "notice": (0.5, 50),
    "record": (0.15, 100),
    "queue": (0.15, 100),
    "correction_send": (0.05, 200),
}
TARGET_CONNECTIONS, TARGET_CLIENTS = 16, 100_000
# The scale row: at 1,000,000 clients these pages stay within this factor of their latency
# at 100,000 (BENCH_SCALE_BASE names the 100,000-client run's JSON file).
SCALE_PAGES, SCALE_FACTOR = ("record", "queue"), 1.5
PDF_SECONDS = 0.5
IMPORT_SECONDS, IMPORT_CLIENTS = 60, 100_000
FIRST_VISIT_BYTES, REPEAT_VISIT_BYTES = 100_000, 20_000  # "100 KB", "20 KB": decimal, stricter


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool | None  # None: not judged in this run (e.g. a smaller dataset)
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return vars(self)


def _page_verdicts(results: dict[str, Any]) -> list[Verdict]:
    ceiling = results["ceiling"]["rps"]
    verdicts = []
    for key, (share, p99_ms) in PAGE_TARGETS.items():
        page = results["pages"][key]
        notes = []
        if page["connections"] != TARGET_CONNECTIONS:
            notes.append("other connection count")
        if results["knobs"]["clients"] != TARGET_CLIENTS:
            notes.append("not judged: BENCH_CLIENTS is not 100,000")
        verdicts.append(
            Verdict(
                f"{page['label']}: at least {share} x the ceiling's throughput, p99 under "
                f"{p99_ms} ms",
                f"{page['rps']:,.0f} rps = {page['ratio_to_ceiling']:.3f} x {ceiling:,.0f}, "
                f"p99 {page['p99_ms']:.0f} ms",
                page["ratio_to_ceiling"] >= share and page["p99_ms"] < p99_ms
                if results["knobs"]["clients"] == TARGET_CLIENTS
                else None,
                "; ".join(notes),
            )
        )
    return verdicts


def scale_verdicts(results: dict[str, Any], base: dict[str, Any] | None) -> list[Verdict]:
    """The scale row: the record and the queue against the same pages of a 100,000-client run."""
    clients = results["knobs"]["clients"]
    if clients == TARGET_CLIENTS:
        return []
    verdicts = []
    for key in SCALE_PAGES:
        page = results["pages"][key]
        target = (
            f"{page['label']} at {clients:,} clients: p50 and p99 within {SCALE_FACTOR} x "
            f"of {TARGET_CLIENTS:,} clients"
        )
        if base is None or base["knobs"]["clients"] != TARGET_CLIENTS:
            verdicts.append(
                Verdict(
                    target,
                    f"p50 {page['p50_ms']:.0f} ms, p99 {page['p99_ms']:.0f} ms",
                    None,
                    "no 100,000-client run to compare with (BENCH_SCALE_BASE)",
                )
            )
            continue
        then = base["pages"][key]
        p50, p99 = page["p50_ms"] / then["p50_ms"], page["p99_ms"] / then["p99_ms"]
        verdicts.append(
            Verdict(
                target,
                f"p50 {page['p50_ms']:.0f} ms ({p50:.2f} x {then['p50_ms']:.0f}), "
                f"p99 {page['p99_ms']:.0f} ms ({p99:.2f} x {then['p99_ms']:.0f})",
                p50 <= SCALE_FACTOR and p99 <= SCALE_FACTOR,
            )
        )
    return verdicts


def _other_verdicts(results: dict[str, Any]) -> list[Verdict]:
    single = results["pages"]["pdf_single"]
    verdicts = [
        Verdict(
            f"record PDF under {PDF_SECONDS} s (median, one at a time)",
            f"median {single['p50_ms'] / 1000:.3f} s, p99 {single['p99_ms'] / 1000:.3f} s",
            single["p50_ms"] / 1000 < PDF_SECONDS,
        )
    ]
    verdicts.append(_import_verdict(results["import"], results["knobs"]["clients"]))
    if "import_bad_rows" in results:
        verdicts.append(_bad_rows_verdict(results["import"], results["import_bad_rows"]))
    for path, weight in results["weights"].items():
        first, repeat = weight["first_visit_gzipped_bytes"], weight["repeat_visit_gzipped_bytes"]
        verdicts.append(
            Verdict(
                f"{path}: first visit at most 100 KB, repeat under 20 KB (gzipped)",
                f"first {first / 1000:.1f} KB, repeat {repeat / 1000:.1f} KB",
                first <= FIRST_VISIT_BYTES and repeat < REPEAT_VISIT_BYTES,
            )
        )
    return verdicts


def _import_verdict(imported: dict[str, Any], clients: int) -> Verdict:
    target = f"import of the {IMPORT_CLIENTS:,}-client export under {IMPORT_SECONDS} s"
    if imported.get("skipped"):
        return Verdict(target, "not run", None, "BENCH_REUSE_DATABASE=1 kept an imported database")
    return Verdict(
        target,
        f"{imported['seconds']:.1f} s for {clients:,} clients",
        imported["seconds"] < IMPORT_SECONDS if clients == IMPORT_CLIENTS else None,
        "" if clients == IMPORT_CLIENTS else "not judged: BENCH_CLIENTS is not 100,000",
    )


def _bad_rows_verdict(clean: dict[str, Any], bad: dict[str, Any]) -> Verdict:
    from bench.bad_rows import MAX_RATIO, ratio

    target = f"import with 10% bad rows within {MAX_RATIO} x the clean import"
    found = ratio(clean, bad)
    if found is None:
        return Verdict(target, "not run", None, "BENCH_REUSE_DATABASE=1 kept an imported database")
    return Verdict(target, f"{bad['seconds']:.1f} s = {found:.2f} x", found <= MAX_RATIO)


def verdicts(results: dict[str, Any], scale_base: dict[str, Any] | None = None) -> list[Verdict]:
    return _page_verdicts(results) + _other_verdicts(results) + scale_verdicts(results, scale_base)


def _flag(met: bool | None) -> str:
    return {True: "MET", False: "NOT MET", None: "n/a"}[met]


def _setting(results: dict[str, Any]) -> list[str]:
    machine, knobs, unicorn = results["machine"], results["knobs"], results["gunicorn"]
    load = " / ".join(
        " ".join(f"{n:.1f}" for n in machine[key])
        for key in ("load_average_start", "load_average_end")
        if key in machine
    )
    return [
        f"{knobs['clients']:,} clients, {results['dataset']['requests']:,} requests; "
        f"gunicorn {unicorn['workers']} x {unicorn['worker_class']}"
        f"({unicorn.get('threads', 1)} threads); {machine['cores']} cores; "
        f"load average before / after: {load}",
        "",
    ]


def _figures(result: dict[str, Any]) -> str:
    if not result["requests"]:
        return f"{'none finished in the run':>28}"
    return f"{result['rps']:>10,.1f}{result['p50_ms']:>9.1f}{result['p99_ms']:>9.1f}"


def table(results: dict[str, Any]) -> str:
    ceiling = results["ceiling"]
    lines = [
        *_setting(results),
        f"{'page':<32}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x ceiling':>11}"
        f"  responses",
        f"{ceiling['label']:<32}{ceiling['connections']:>6}{_figures(ceiling)}{1:>11.3f}"
        f"  {_responses(ceiling)}",
    ]
    for page in results["pages"].values():
        lines.append(
            f"{page['label']:<32}{page['connections']:>6}{_figures(page)}"
            f"{page['ratio_to_ceiling']:>11.3f}  {_responses(page)}"
        )
    lines.append("")
    imported = results["import"]
    if not imported.get("skipped"):
        lines.append(f"import: {imported['seconds']:.1f} s, rows {imported['rows']}")
    bad = results.get("import_bad_rows", {})
    if bad and not bad.get("skipped"):
        lines.append(f"import with 10% bad rows: {bad['seconds']:.1f} s, {bad['files']}")
    for path, weight in results["weights"].items():
        lines.append(
            f"weight {path}: HTML {weight['html_gzipped_bytes'] / 1000:.1f} KB gzipped "
            f"(sent {weight['html_content_encoding']}), first visit "
            f"{weight['first_visit_gzipped_bytes'] / 1000:.1f} KB, repeat "
            f"{weight['repeat_visit_gzipped_bytes'] / 1000:.1f} KB"
        )
    if audit := results.get("audit_verify"):
        lines.append(
            f"audit verify: {audit['entries']:,} entries in {audit['verify_seconds']:.1f} s "
            f"({audit['entries_per_second']:,.0f}/s)"
        )
    if "run_seconds" in results:
        lines.append(f"the whole run took {results['run_seconds'] / 60:.1f} min")
    lines.append("")
    for verdict in results["targets"]:
        note = f"  ({verdict['note']})" if verdict["note"] else ""
        lines.append(f"{_flag(verdict['met']):<8} {verdict['target']}: {verdict['measured']}{note}")
    return "\n".join(lines)


def _responses(result: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(result["responses"].items()) if v)


def write(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
