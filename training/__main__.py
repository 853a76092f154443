"""``python -m training <command>``: the training package's commands."""

from __future__ import annotations

import sys

COMMANDS = {
    "train": ("training.commands", "train_main"),
    "evaluate": ("training.commands", "evaluate_main"),
    "export": ("training.export_user", "main"),
    "build-default-models": ("training.build_default_models", "main"),
    "evaluate-default": ("training.evaluate_default", "main"),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m training {" + ",".join(COMMANDS) + "} [options]   (each command has --help)", file=sys.stderr)
        return 2
    module_name, function = COMMANDS[argv[0]]
    module = __import__(module_name, fromlist=[function])
    return int(getattr(module, function)(argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
