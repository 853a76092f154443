"""A site's species list: the taxa that can occur where the camera is.

SpeciesNet's geofence and the feeder apps' lists exist because a model that knows
a thousand birds will, now and then, name one that lives on another continent. A
list turns that answer into the nearest taxon that does occur: the probability of
an unlisted species counts only towards its genus, family or order that holds a
listed one (``Taxonomy.restricted_to``).

The file is plain text, one scientific name per line (a species, or a genus or
family to allow all of it); ``#`` starts a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from livespecies.errors import UserError
from livespecies.inference.taxonomy import Taxonomy

# "Parus major", "Corvus", "Paridae", "Anas platyrhynchos domesticus", "Larus glaucescens × occidentalis".
NAME = re.compile(r"^[A-Z][a-z]+(?:[ -][a-z][a-z-]*|\s×\s[a-z-]+)*$")


class SpeciesListError(UserError):
    pass


@dataclass(frozen=True)
class SpeciesList:
    """The names as written in the file (spaces normalised), and where they came from."""

    path: str
    names: tuple[str, ...]


def parse_species_list(text: str, source: str) -> SpeciesList:
    names: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split("#", 1)[0].split())
        if not line:
            continue
        if not NAME.match(line):
            raise SpeciesListError(
                f"Species list {source}, line {number}: '{line[:60]}' is not a scientific name "
                "(write one per line, such as 'Parus major' or 'Corvidae')."
            )
        if line not in names:
            names.append(line)
    if not names:
        raise SpeciesListError(f"Species list {source} names no species: write one scientific name per line.")
    return SpeciesList(source, tuple(names))


def load_species_list(path: Path | str) -> SpeciesList:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpeciesListError(f"Species list {path} does not exist.") from None
    except IsADirectoryError:
        raise SpeciesListError(f"Species list {path} is a folder, not a text file.") from None
    except OSError as exc:
        raise SpeciesListError(f"Species list {path} cannot be read ({exc.strerror or exc}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpeciesListError(f"Species list {path} is not UTF-8 text.") from None
    return parse_species_list(text, str(path))


def unknown_names(species: SpeciesList, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The listed names that are no taxon of these models."""
    return tuple(name for name in species.names if not taxonomy.nodes_named(name))


def unknown_names_warning(species: SpeciesList, taxonomy: Taxonomy) -> str | None:
    """One sentence naming the listed animals the models cannot name (answers that could be one of them stop at the
    group that holds it, ``OpenSet.listed_groups``) and the names nothing here knows (ignored); None when the models
    know every name."""
    unknown = unknown_names(species, taxonomy)
    if not unknown:
        return None
    ignored = taxonomy.open_set.unplaceable(unknown)
    placed = tuple(name for name in unknown if name not in ignored)
    parts = []
    if placed:
        parts.append(f"the models cannot name {_few(placed)}, so an answer that could be one of them stops at the group that holds it")
    if ignored:
        parts.append(f"{_few(ignored)} {'is' if len(ignored) == 1 else 'are'} not known here and ignored")
    return f"Species list {species.path}: " + "; ".join(parts) + "."


def _few(names: tuple[str, ...]) -> str:
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
