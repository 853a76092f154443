"""The ``livespecies`` command line.

    livespecies                      the live window (first webcam, else the demo clip)
    livespecies gui --source URL     the live window on a stream, file, folder or camera
    livespecies classify PATH... [--json | --csv | --format megadetector] [--output FILE] [--species-list FILE]
    livespecies watch CONFIG         several cameras, headless (see livespecies/watch/commands.py)
    livespecies sightings | export   what the watcher recorded
    livespecies desktop-entry        the window in this user's application menu

Exit status: 0 when every file was classified, 1 when some files failed (each
failure is in its own output row), 2 when the run could not start or its
output could not be written.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from livespecies import __version__
from livespecies.errors import UserError

EXIT_OK, EXIT_SOME_FAILED, EXIT_ERROR = 0, 1, 2


def _fraction(text: str) -> float:
    """A threshold on the command line: the same rule as the config file's (``validation.Threshold``)."""
    from pydantic import TypeAdapter, ValidationError

    from livespecies.validation import Threshold

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    try:
        return float(TypeAdapter(Threshold).validate_python(value))
    except ValidationError:
        raise argparse.ArgumentTypeError(f"{value} is outside 0 < value <= 1") from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.01 <= value <= 60.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0.01 to 60 frames per second")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_recognition_arguments(parser: argparse.ArgumentParser) -> None:
    """Specialists and the site species list: the same options for the window and for photos."""
    from livespecies.inference.defaults import SPECIALIST_FILES

    parser.add_argument("--specialist", dest="specialists", type=Path, action="append", default=None, metavar="FILE",
                        help="a specialist classifier whose contract declares a scope (repeatable); it replaces the shipped "
                        f"ones ({', '.join(SPECIALIST_FILES)})")
    parser.add_argument("--no-specialists", dest="use_specialists", action="store_false",
                        help="only the main classifier: no bird or insect specialist")
    parser.add_argument("--species-list", type=Path, default=None, metavar="FILE",
                        help="the species that occur at your site, one scientific name per line (# comments); nothing "
                        "outside it is claimed, its probability goes to the genus, family or order that holds a listed one")


def specialist_paths(args: argparse.Namespace) -> list[Path]:
    from livespecies.inference.defaults import default_specialists

    if not args.use_specialists:
        return []
    return list(args.specialists) if args.specialists else default_specialists()


def build_parser() -> argparse.ArgumentParser:
    from livespecies.batch.formats import FORMATS
    from livespecies.inference.defaults import default_classifier, default_detector, float_detector
    from livespecies.inference.engine import DEFAULT_THRESHOLD, EngineSettings

    defaults = EngineSettings()
    parser = argparse.ArgumentParser(prog="livespecies", description="Recognise animal species in photos, videos and live streams.")
    parser.add_argument("--version", action="version", version=f"livespecies {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser(
        "gui",
        help="the live window (the default command)",
        description="Open the live window on a webcam, stream, video file, image folder or the demo clip.",
    )
    gui.add_argument("--source", help="camera number, rtsp:// or http:// URL, video file, image folder, or 'demo' "
                     "(default: the last source, else the first camera, else the demo clip)")
    gui.add_argument("--threshold", type=_fraction, default=None,
                     help=f"starting threshold (default: the model's own, {DEFAULT_THRESHOLD} for the shipped ones)")
    gui.add_argument("--model", type=Path, default=None, help="classifier ONNX file")
    add_recognition_arguments(gui)
    gui.add_argument("--detector", type=Path, default=None, help="detector ONNX file (default: the INT8 detector)")
    gui.add_argument("--no-detector", dest="use_detector", action="store_false", help="classify whole frames")
    gui.add_argument("--detector-size", type=_positive_int, default=416,
                     help="detector input size, a multiple of 32 (default 416 for a faster live view; 640 finds smaller animals)")
    gui.add_argument("--snapshots", type=Path, default=None, help="snapshot folder (default: ~/Pictures/livespecies)")
    gui.add_argument("--settings", type=Path, default=None, help=argparse.SUPPRESS)  # an INI file instead of QSettings' default
    gui.add_argument("--config", type=Path, default=None, metavar="CONFIG",
                     help="a watcher config file: watch its cameras in a grid (as `livespecies watch` does, with a window)")

    classify = commands.add_parser(
        "classify",
        help="classify photos (files and folders, recursively)",
        description="Classify photos. Folders are searched recursively for image files. "
        "One record per image goes to stdout (or --output); progress and a summary go to stderr.",
    )
    classify.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image files and/or folders")
    fmt = classify.add_mutually_exclusive_group()
    fmt.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    fmt.add_argument("--json", dest="format", action="store_const", const="jsonl", help="JSON Lines, one object per image")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv", help="CSV, one row per prediction")
    classify.add_argument("--output", "-o", type=Path,
                          help="write to this file instead of stdout; the run keeps a checkpoint beside it until it is complete")
    classify.add_argument("--clip-rate", type=_rate, default=1.0, metavar="PER_SECOND",
                          help="video clips: frames recognised per second, plus one at each scene change (default 1)")
    classify.add_argument("--frames", action="store_true", help="video clips: also output each sampled frame's answer (JSON Lines, CSV)")
    classify.add_argument("--annotate", type=Path, metavar="DIR",
                          help="also write a copy of each photo with its boxes and labels drawn, mirroring the input folders")
    classify.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                          help="run on a Ray cluster (its address, e.g. 127.0.0.1:6379 or auto; none: a Ray started here); "
                               "needs the ray extra and paths the workers can read")
    classify.add_argument("--resume", action="store_true",
                          help="continue an interrupted run of the same command (needs --output): nothing done twice, failures retried")
    classify.add_argument("--threshold", type=_fraction, default=None,
                          help=f"minimum confidence of a reported taxon (default: the model's own, {DEFAULT_THRESHOLD} for the shipped ones)")
    classify.add_argument("--detector-threshold", type=_fraction, default=defaults.detector_threshold,
                          help=f"minimum animal-detector score for a box (default {defaults.detector_threshold})")
    classify.add_argument("--no-detector", "--whole-frame", dest="use_detector", action="store_false",
                          help="classify each whole image instead of detected animals (close-ups)")
    classify.add_argument("--detector-size", type=_positive_int, default=None,
                          help="run the detector at this square size, a multiple of 32 (default: its native 640; 416 is about "
                          "twice as fast and misses more small, distant animals)")
    classify.add_argument("--no-fallback", dest="whole_frame_fallback", action="store_false",
                          help="when the detector finds nothing, report nothing instead of classifying the whole image")
    classify.add_argument("--model", type=Path, default=None, help=f"classifier ONNX file (default {default_classifier()})")
    add_recognition_arguments(classify)
    classify.add_argument("--detector", type=Path, default=None,
                          help=f"detector ONNX file (default {default_detector()}; the float model, slower: {float_detector()})")
    classify.add_argument("--jobs", "-j", type=_positive_int, default=None,
                          help="photos worked on at once (default: one per core)")
    classify.add_argument("--threads", type=_positive_int, default=None,
                          help="onnxruntime threads per model and job (default: the cores shared among the jobs)")
    classify.add_argument("--max-megapixels", type=_positive_int, default=150, help="refuse larger images (default 150)")
    classify.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                          help="progress bar on stderr (default: when stderr is a terminal)")
    from livespecies.watch.commands import add_commands

    add_commands(commands)
    from livespecies.desktop_entry import add_command as add_desktop_entry

    add_desktop_entry(commands)
    return parser


def run_classify(args: argparse.Namespace) -> int:
    from livespecies.batch.annotate import annotator
    from livespecies.batch.checkpoint import Checkpoint
    from livespecies.batch.discover import find_images
    from livespecies.batch.formats import CsvWriter, JsonLinesWriter, MegaDetectorWriter, RecordWriter, TextWriter
    from livespecies.batch.job import ClassifyJob
    from livespecies.batch.progress import ProgressBar, Tally
    from livespecies.batch.ray_run import classify_on_ray, import_ray
    from livespecies.batch.resumable import (
        CheckpointWriter,
        count_in_background,
        file_digest,
        numbered_to_do,
        run_identity,
        to_do,
        write_output,
        write_records,
    )
    from livespecies.batch.run import classify_files
    from livespecies.inference.defaults import default_classifier, default_detector
    from livespecies.inference.species_list import unknown_names_warning

    cores = os.cpu_count() or 1
    jobs = args.jobs or cores
    job = ClassifyJob(
        classifier=args.model or default_classifier(),
        detector=(args.detector or default_detector()) if args.use_detector else None,
        specialists=tuple(specialist_paths(args)),
        only_fitting_specialists=not args.specialists,
        threshold=args.threshold,
        detector_threshold=args.detector_threshold,
        use_detector=args.use_detector,
        whole_frame_fallback=args.whole_frame_fallback,
        detector_size=args.detector_size,
        species_list=args.species_list,
        max_pixels=args.max_megapixels * 1_000_000,
        clip_rate=args.clip_rate,
    )
    # A batch run owns the machine: every core for inference, shared among the photos in flight.
    recognizer = job.recognizer(threads=args.threads or max(1, cores // jobs))
    settings = recognizer.settings
    species = settings.species
    if species is not None and (warning := unknown_names_warning(species, recognizer.taxonomy)):
        print(f"livespecies: warning: {warning}", file=sys.stderr)
    if args.resume and args.output is None:
        raise UserError("--resume continues a run that writes to a file: give the same --output FILE as that run.")
    found = iter(find_images(args.paths))
    first = next(found, None)
    if first is None:
        raise UserError("No image files or video clips found in " + ", ".join(str(p) for p in args.paths) + ".")
    paths = itertools.chain([first], found)  # streaming: the first photo starts while the walk goes on

    decode, recognize = job.decode, job.recognize(recognizer)

    folders = [p for p in args.paths if p.is_dir()]

    def make_writer(stream: IO[str] | None) -> RecordWriter:
        if args.format == "megadetector":
            return MegaDetectorWriter(stream, args.output if stream is None else None, folders[0] if len(folders) == 1 else None,
                                      recognizer.model_ids)  # fmt: skip
        assert stream is not None
        if args.format == "jsonl":
            return JsonLinesWriter(stream, args.frames)
        return CsvWriter(stream, args.frames) if args.format == "csv" else TextWriter(stream)

    afterwards = annotator(args.annotate, args.paths, resumable=args.output is not None) if args.annotate is not None else None

    show = sys.stderr.isatty() if args.progress is None else args.progress
    progress = ProgressBar(sys.stderr, None, show)
    count_in_background(args.paths, progress)
    tally = Tally()
    if args.ray is not None and args.annotate is not None:
        raise UserError("--annotate draws on this machine only; run without --ray to write annotated copies.")
    if args.ray is not None:
        import_ray()  # one sentence now, before any work, when the extra is missing
    if args.output is None and args.ray is None:  # to stdout, record by record: nothing to resume
        writer = make_writer(sys.stdout)
        classify_files(paths, recognize, writer, progress, decode=decode, jobs=jobs, tally=tally, afterwards=afterwards,
                       clip_rate=args.clip_rate)  # fmt: skip
        writer.close()
        print(tally.summary(), file=sys.stderr)
        return EXIT_SOME_FAILED if tally.failed else EXIT_OK

    settings_used = {"threshold": settings.threshold, "detector_threshold": settings.detector_threshold, "use_detector": settings.use_detector,
                     "whole_frame_fallback": settings.whole_frame_fallback, "detector_size": settings.detector_size,
                     "crop_padding": settings.crop_padding, "max_megapixels": args.max_megapixels, "clip_rate": args.clip_rate,
                     "species_list": file_digest(args.species_list) if args.species_list else None}  # fmt: skip
    scratch = tempfile.TemporaryDirectory(prefix="livespecies-") if args.output is None else None  # --ray to stdout
    output = args.output if args.output is not None else Path(scratch.name) / "results"  # type: ignore[union-attr]
    try:
        checkpoint = Checkpoint(output, run_identity(recognizer, settings_used, args.paths), resume=args.resume)
    except OSError as exc:
        raise UserError(f"Cannot write beside the output file {output} ({exc.strerror or exc}).") from None
    recorder = CheckpointWriter(checkpoint)
    try:
        if args.ray is not None:
            for seq, record in classify_on_ray(numbered_to_do(paths, checkpoint, tally), job, None if args.ray == "local" else args.ray):
                checkpoint.add(seq, record)
                tally.add(record)
                progress.update(tally)
            progress.finish()
        else:
            classify_files(to_do(paths, checkpoint, recorder, tally), recognize, recorder, progress, decode=decode, jobs=jobs, tally=tally,
                           afterwards=afterwards, clip_rate=args.clip_rate)  # fmt: skip
        recorder.close()
    except UserError:
        checkpoint.close()  # what was recorded stays recorded: the message says to resume
        raise
    except KeyboardInterrupt:
        checkpoint.close()
        print(f"\nlivespecies: interrupted; {checkpoint.counts()[0]} images are recorded in {checkpoint.path}: "
              "run the same command with --resume to go on.", file=sys.stderr)  # fmt: skip
        raise SystemExit(130) from None
    try:
        if args.output is None:  # --ray to stdout: in input order, from the record
            write_records(checkpoint, make_writer(sys.stdout))
        else:
            write_output(checkpoint, args.output, make_writer, to_stream=args.format != "megadetector")
    except OSError as exc:
        checkpoint.close()
        raise UserError(f"Cannot write the output file {args.output} ({exc.strerror or exc}); the results are kept in "
                        f"{checkpoint.path}: run again with --resume once there is room.") from None  # fmt: skip
    recorded, failed = checkpoint.counts()
    checkpoint.close(remove=True)
    if scratch is not None:
        scratch.cleanup()
    print(tally.summary(), file=sys.stderr)
    if tally.skipped:
        print(f"livespecies: {args.output} holds all {recorded} images ({failed} failed), this run and the one it resumed.", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def run_gui_command(args: argparse.Namespace) -> int:
    from livespecies.gui.app import run_grid, run_gui

    if args.config is not None:
        return run_grid(args.config)
    from livespecies.inference.defaults import default_classifier, default_live_detector

    detector = (args.detector or default_live_detector()) if args.use_detector else None
    return run_gui(args.source, args.model or default_classifier(), detector, args.threshold, args.snapshots, args.settings,
                   args.detector_size, specialist_paths(args), args.species_list, only_fitting_specialists=not args.specialists)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(arguments or ["gui"])  # plain `livespecies` opens the window
    # Warnings (a stream that did not open, and why) go to stderr as one line each, passwords already redacted.
    logging.basicConfig(level=logging.WARNING, format="livespecies: %(message)s")
    try:
        if args.command == "gui":
            return run_gui_command(args)
        if args.command == "classify":
            return run_classify(args)
        return int(args.handler(args))
    except UserError as exc:
        print(f"livespecies: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`livespecies classify … | head`): stop quietly.
        sys.stderr.close()
        return EXIT_SOME_FAILED
    except OSError as exc:
        print(f"livespecies: cannot write the output ({exc.strerror or exc}); records already written are kept.", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("livespecies: interrupted; records already written are kept.", file=sys.stderr)
        return 130
