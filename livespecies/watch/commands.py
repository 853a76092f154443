"""The monitoring commands: ``watch``, ``sightings`` and ``export``.

    livespecies watch CONFIG [--check]
    livespecies sightings (--config CONFIG | --db FILE) [--camera C] [--species S] [--since T] [--until T]
                          [--min-rank R] [--limit N] [--format table|csv|json]
    livespecies export --format camtrap-dp|megadetector|csv --out DIR (--config CONFIG | --db FILE) [filters]

Times are ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM`` (local time) or a span back from
now: ``90m``, ``24h``, ``7d``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import signal
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO

from livespecies.errors import UserError
from livespecies.sightings.database import SightingDatabase, SightingQuery, StoredSighting
from livespecies.sightings.log import iso
from livespecies.spreadsheet_safe import safe_row

EXIT_OK, EXIT_ERROR = 0, 2
TABLE_COLUMNS = ("started", "ended", "camera", "label", "rank", "confidence", "frames", "status")


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    watch = commands.add_parser("watch", help="watch the cameras of a config file, headless, until stopped",
                                description="Watch several cameras unattended: sightings go to a database (and MQTT, and a "
                                "web page, when configured). Stops cleanly on SIGTERM or Ctrl+C.")  # fmt: skip
    watch.add_argument("config", type=Path, metavar="CONFIG", help="the TOML config file (see README)")
    watch.add_argument("--check", action="store_true", help="check the config and the files it names, then exit")
    watch.set_defaults(handler=run_watch)

    sightings = commands.add_parser("sightings", help="list and filter recorded sightings",
                                    description="List the sightings in a watcher's database, newest first.")  # fmt: skip
    _add_selection(sightings)
    sightings.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    sightings.set_defaults(handler=run_sightings)

    export = commands.add_parser("export", help="export sightings for other tools (Camtrap DP, Timelapse, spreadsheets)",
                                 description="Export sightings and their snapshots: a Camtrap DP 1.0.2 package, MegaDetector "
                                 "JSON for Timelapse, or CSV.")  # fmt: skip
    export.add_argument("--format", choices=("camtrap-dp", "megadetector", "csv"), required=True, help="what to write")
    export.add_argument("--out", type=Path, required=True, metavar="PATH",
                        help="a new (or empty) folder for camtrap-dp and megadetector, the file to write for csv")
    export.add_argument("--location", action="append", default=[], metavar="CAMERA=LAT,LON[,UNCERTAINTY_M]",
                        help="where a camera stands (Camtrap DP needs every camera's coordinates); repeat per camera")
    export.add_argument("--contributor", help="who made the data (Camtrap DP contributors; default: livespecies)")
    export.add_argument("--project-title", help="the project's title (Camtrap DP)")
    _add_selection(export)
    export.set_defaults(handler=run_export)


def _add_selection(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="a watcher config file: its database")
    where.add_argument("--db", type=Path, help="a sightings database file")
    parser.add_argument("--camera", help="only this camera")
    parser.add_argument("--species", help="a common or scientific name, or a genus, family, order… (matches the lineage)")
    parser.add_argument("--since", type=parse_time, help="from this time (YYYY-MM-DD[THH:MM] local, or 90m, 24h, 7d back)")
    parser.add_argument("--until", type=parse_time, help="before this time")
    parser.add_argument("--min-rank", help="only answers at least this specific (species, genus, family …)")
    parser.add_argument("--limit", type=int, help="at most this many")


def parse_time(text: str, now: float | None = None) -> float:
    """Unix seconds from a local date/time or a span back from now."""
    span = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([mhd])", text.strip())
    if span:
        seconds = float(span.group(1)) * {"m": 60, "h": 3600, "d": 86400}[span.group(2)]
        return (time.time() if now is None else now) - seconds
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM, or 90m, 24h, 7d") from None


def _database(args: argparse.Namespace) -> SightingDatabase:
    if args.config is not None:
        from livespecies.watch.config import load_config

        return SightingDatabase(load_config(args.config).database.path, readonly=True)
    return SightingDatabase(args.db, readonly=True)


def _query(args: argparse.Namespace) -> SightingQuery:
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1.")
    return SightingQuery(args.camera, args.species, args.since, args.until, args.min_rank, args.limit)


def run_watch(args: argparse.Namespace) -> int:
    from livespecies.watch.config import load_config
    from livespecies.watch.preflight import check_config
    from livespecies.watch.watcher import Watcher

    config = load_config(args.config)
    check_config(config)  # the same checks for --check and for a run: what one refuses, the other refuses too
    if args.check:
        count = len(config.cameras)
        print(f"{args.config}: {count} camera{'' if count == 1 else 's'}, database {config.database.path}: looks right.")
        return EXIT_OK
    logging.getLogger().setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    Watcher(config).run(stop)
    return EXIT_OK


def run_sightings(args: argparse.Namespace) -> int:
    database = _database(args)
    try:
        rows = database.query(_query(args))
    finally:
        database.close()
    write_sightings(rows, args.format, sys.stdout)
    return EXIT_OK


def write_sightings(rows: list[StoredSighting], fmt: str, out: IO[str]) -> None:
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(row.as_dict(), ensure_ascii=False) + "\n")
        return
    records = [table_row(row) for row in rows]
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(TABLE_COLUMNS)
        writer.writerows(safe_row(r) for r in records)
        return
    widths = [max([len(c), *(len(r[i]) for r in records)]) for i, c in enumerate(TABLE_COLUMNS)]
    for line in [TABLE_COLUMNS, *records]:
        out.write("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip() + "\n")
    if not records:
        out.write("(no sightings match)\n")


def table_row(row: StoredSighting) -> tuple[str, ...]:
    return (iso(row.started_at), iso(row.ended_at) if row.ended_at else "", row.camera, row.label, row.taxon_rank,
            f"{row.best_confidence:.0%}", str(row.frames), row.status)  # fmt: skip


def run_export(args: argparse.Namespace) -> int:
    from livespecies.exports.camtrap_dp import CamtrapProject, parse_site
    from livespecies.exports.run import export

    sites = dict(parse_site(text) for text in args.location)
    project = CamtrapProject()
    if args.project_title:
        project = replace(project, title=args.project_title)
    if args.contributor:
        project = replace(project, contributor=args.contributor)
    database = _database(args)
    try:
        written = export(database, args.format, args.out, _query(args), sites or None, project)
    finally:
        database.close()
    print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    return EXIT_OK
