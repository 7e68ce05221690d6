"""The table of scripts/bench.sh: medians over its runs, with ratios to the references.

Input: one line per measurement, `label <TAB> measurement <TAB> JSON` (the line of oauth-bench
or of dpop_load, `{"rss_kb": N, "anon_kb": M}`, `{"peer_rss_kb": N}` or `{"agreed": N, "rounds": M}`).
"""
import json
import statistics
import sys
from collections import defaultdict

REFS = ("node-oidc-provider", "glewlwyd")


def load(path):
    rows = defaultdict(list)
    with open(path) as f:
        for line in f:
            label, what, text = line.rstrip("\n").split("\t", 2)
            data = json.loads(text)
            if what == "ref":  # a peer.sh prints client credentials, refresh, then its RSS
                what = {"ClientCredentials": "cc", "Refresh": "refresh"}.get(data.get("mode"), "after_load")
                data = {"rss_kb": data["peer_rss_kb"]} if "peer_rss_kb" in data else data
            rows[(label, what)].append(data)
    return rows


def median(rows, key, field):
    values = [r[field] for r in rows.get(key, []) if field in r]
    return statistics.median(values) if values else None


def total(rows, key, field):
    """Sum of the per-process lines of one run (scale-out), median over runs."""
    per_run = defaultdict(float)
    lines = rows.get(key, [])
    if not lines:
        return None
    # bench.sh records the processes of one run one after another, runs in order.
    procs = int(key[0].rsplit("×", 1)[1]) if "×" in key[0] else 1
    for i, r in enumerate(lines):
        per_run[i // procs] += r[field]
    return statistics.median(per_run.values())


def fmt(value, unit=""):
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value / 1000:.1f} ms"
    if unit == "MB":
        return f"{value / 1024:.1f} MB"
    return f"{value:,.0f}"


def anonymous(rows, label):
    """` (x MB)`: the anonymous part of the idle RSS, where the server reported it."""
    anon = median(rows, (label, "idle"), "anon_kb")
    return f" ({fmt(anon, 'MB')})" if anon is not None else ""


def header(*columns):
    """A Markdown table's first two lines, after a blank line."""
    print(f"\n| {' | '.join(columns)} |")
    print("|---" * len(columns) + "|")


def ratio(value, base):
    return f" ({value / base:.1f}×)" if value and base else ""


def ratios(value, bases):
    """` (a× / b×)`: value over each reference that was measured."""
    parts = [f"{value / b:.1f}×" for b in bases if value and b]
    return f" ({' / '.join(parts)})" if parts else ""


def main(path):
    rows = load(path)
    labels = list(dict.fromkeys(label for label, _ in rows))
    # Not the log-level processes (their own table) nor the scale-out ones.
    servers = [label for label in labels if (label, "cc") in rows and "×" not in label
               and not label.endswith((" (warn)", " (info)"))]
    refs = {ref: (median(rows, (ref, "cc"), "rps"), median(rows, (ref, "refresh"), "rps")) for ref in REFS}
    header("server", "client credentials/s", "p99", "refresh/s", "p99", "RSS idle (anonymous)", "RSS after load")
    for label in servers:
        cc, rf = median(rows, (label, "cc"), "rps"), median(rows, (label, "refresh"), "rps")
        vs = "" if label in REFS else ratios(cc, [refs[r][0] for r in REFS])
        vs_rf = "" if label in REFS else ratios(rf, [refs[r][1] for r in REFS])
        print(f"| {label} | {fmt(cc)}{vs} | {fmt(median(rows, (label, 'cc'), 'p99_us'), 'ms')} "
              f"| {fmt(rf)}{vs_rf} | {fmt(median(rows, (label, 'refresh'), 'p99_us'), 'ms')} "
              f"| {fmt(median(rows, (label, 'idle'), 'rss_kb'), 'MB')}{anonymous(rows, label)} "
              f"| {fmt(median(rows, (label, 'after_load'), 'rss_kb'), 'MB')} |")
    print("(ratios: to node-oidc-provider, then to Glewlwyd)")

    logged = [label for label in servers if f"{label} (info)" in labels]
    if logged:
        header("log level", "client credentials/s", "info/warn", "refresh/s", "info/warn")
        for label in logged:
            warn, info = f"{label} (warn)", f"{label} (info)"
            w_cc, i_cc = median(rows, (warn, "cc"), "rps"), median(rows, (info, "cc"), "rps")
            w_rf, i_rf = median(rows, (warn, "refresh"), "rps"), median(rows, (info, "refresh"), "rps")
            print(f"| {label}: warn → info | {fmt(w_cc)} → {fmt(i_cc)} | {i_cc / w_cc:.2f} "
                  f"| {fmt(w_rf)} → {fmt(i_rf)} | {i_rf / w_rf:.2f} |")

    flooded = [label for label in servers if (label, "refresh_flood") in rows]
    if flooded:
        header("logins", "RSS after 64 at once", "one login", "logins/s (÷ 1 core / one login)",
               "refresh/s quiet → flood", "JWKS p99 quiet → flood", "RSS after flood")
        for label in flooded:
            one = median(rows, (label, "login_single"), "p50_us")
            logins = median(rows, (label, "login"), "rps")
            quiet, busy = median(rows, (label, "refresh"), "rps"), median(rows, (label, "refresh_flood"), "rps")
            print(f"| {label} | {fmt(median(rows, (label, 'after_burst'), 'rss_kb'), 'MB')} "
                  f"| {fmt(one, 'ms')} | {logins:,.1f} ({logins * one / 1e6:.2f}) "
                  f"| {fmt(quiet)} → {fmt(busy)} ({busy / quiet:.2f}) "
                  f"| {fmt(median(rows, (label, 'jwks'), 'p99_us'), 'ms')} → "
                  f"{fmt(median(rows, (label, 'jwks_flood'), 'p99_us'), 'ms')} "
                  f"| {fmt(median(rows, (label, 'after_flood'), 'rss_kb'), 'MB')} |")

    dpop = [label for label in servers if (label, "dpop_cc") in rows]
    if dpop:
        header("DPoP (same server and generator)", "client credentials/s bearer → DPoP", "p99",
               "refresh/s bearer → DPoP", "p99")
        for label in dpop:
            cells = []
            for what in ("cc", "refresh"):
                bearer, proof = (label, f"dpop_{what}_bearer"), (label, f"dpop_{what}")
                b, d = median(rows, bearer, "rps"), median(rows, proof, "rps")
                cells.append(f"{fmt(b)} → {fmt(d)}{ratio(d, b)} "
                             f"| {fmt(median(rows, bearer, 'p99_us'), 'ms')} → "
                             f"{fmt(median(rows, proof, 'p99_us'), 'ms')}")
            print(f"| {label} | {' | '.join(cells)} |")

    scaled = [label for label in labels if (label, "refresh_total") in rows]
    if scaled:
        header("PostgreSQL processes", "total refresh/s", "vs one process", "concurrent refresh: one successor")
        for label in scaled:
            one = median(rows, (label.rsplit(" ×", 1)[0], "refresh"), "rps")
            all_ = total(rows, (label, "refresh_total"), "rps")
            guarantee = rows[(label, "guarantee")]
            agreed = sum(g["agreed"] for g in guarantee)
            rounds = sum(g["rounds"] for g in guarantee)
            print(f"| {label} | {fmt(all_)} | {ratio(all_, one).strip(' ()') or '—'} | {agreed}/{rounds} rounds |")


if __name__ == "__main__":
    main(sys.argv[1])
