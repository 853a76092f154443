"""``python -m training <command>``: the training package's commands."""

from __future__ import annotations

import sys

COMMANDS = {
    "build-default-models": "training.build_default_models",
    "evaluate-default": "training.evaluate_default",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m training {" + ",".join(COMMANDS) + "} [options]", file=sys.stderr)
        return 2
    module = __import__(COMMANDS[argv[0]], fromlist=["main"])
    return int(module.main(argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
