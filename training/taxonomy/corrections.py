"""Reviewed corrections to WordNet 3.0's taxonomy for ImageNet's organism classes.

WordNet dates from 2006 and its taxonomy is older still. Each entry below was
checked by hand against a current checklist (the lineages printed by
``python -m training build-default-models --taxonomy-report``); the comment on
each group says what was wrong. Keep the table short: a correction belongs here
only if the automatic rules in ``lineage.py`` produce a wrong or useless answer.
"""

from __future__ import annotations

from dataclasses import dataclass

TaxonKey = tuple[str, str]


@dataclass(frozen=True)
class LabelFix:
    """Place a class by hand: its own rank and the taxon it hangs from (or is, for species)."""

    rank: str = "unranked"
    anchor: TaxonKey | None = None
    organism: bool | None = None


# Genera renamed since WordNet: the binomial's genus word is rewritten before use.
GENUS_RENAMES: dict[str, str] = {
    "Kakatoe": "Cacatua",  # sulphur-crested cockatoo
    "Thalarctos": "Ursus",  # polar bear; also kept out by preferring the binomial's genus
    "Euarctos": "Ursus",
    "Alopex": "Vulpes",  # Arctic fox
    "Erolia": "Calidris",  # dunlin
}

# Whole binomials that are misspelt, capitalised or retired in WordNet.
SPECIES_RENAMES: dict[str, str] = {
    "Felis domesticus": "Felis catus",
    "Felis concolor": "Puma concolor",
    "Alligator mississipiensis": "Alligator mississippiensis",
    "Cavia cobaya": "Cavia porcellus",
    "Egretta albus": "Ardea alba",
    "Aptenodytes patagonica": "Aptenodytes patagonicus",
    "Eschrichtius gibbosus": "Eschrichtius robustus",
    "Dendroaspis augusticeps": "Dendroaspis angusticeps",
    "Polyporus frondosus": "Grifola frondosa",
    "Carpodacus mexicanus": "Haemorhous mexicanus",
}

# Taxa WordNet names differently from current usage; applied wherever a holonym is read.
TAXON_RENAMES: dict[TaxonKey, TaxonKey] = {
    ("family", "Pongidae"): ("family", "Hominidae"),  # great apes
    ("family", "Tetraonidae"): ("subfamily", "Tetraoninae"),  # grouse are pheasant-family birds
    ("order", "Chelonia"): ("order", "Testudines"),
    ("class", "Osteichthyes"): ("class", "Actinopterygii"),  # every ImageNet bony fish is ray-finned
}

# A taxon's parent, where WordNet's is missing, ambiguous or outdated.
TAXON_PARENTS: dict[TaxonKey, TaxonKey | None] = {
    # "Decapoda" is both the crustacean order and a squid order in WordNet; crabs must not be molluscs.
    ("order", "Decapoda"): ("subclass", "Malacostraca"),
    # Genera and families that WordNet lacks or misplaces.
    ("genus", "Puma"): ("family", "Felidae"),
    ("genus", "Cacatua"): ("family", "Cacatuidae"),
    ("family", "Cacatuidae"): ("order", "Psittaciformes"),
    ("genus", "Haemorhous"): ("family", "Fringillidae"),
    ("genus", "Grifola"): ("family", "Meripilaceae"),
    ("family", "Meripilaceae"): ("order", "Polyporales"),
    ("order", "Polyporales"): ("class", "Basidiomycetes"),
    ("order", "Aphyllophorales"): ("class", "Basidiomycetes"),
    # Pandas: the red panda has its own family; the giant panda is a bear.
    ("genus", "Ailurus"): ("family", "Ailuridae"),
    ("family", "Ailuridae"): ("order", "Carnivora"),
    ("genus", "Ailuropoda"): ("family", "Ursidae"),
    # Mongooses are Herpestidae, not civets; skunks are Mephitidae, not weasels.
    ("genus", "Herpestes"): ("family", "Herpestidae"),
    ("genus", "Suricata"): ("family", "Herpestidae"),
    ("family", "Herpestidae"): ("order", "Carnivora"),
    ("genus", "Mephitis"): ("family", "Mephitidae"),
    ("family", "Mephitidae"): ("order", "Carnivora"),
    ("subfamily", "Tetraoninae"): ("family", "Phasianidae"),
    # Edentata is split: armadillos are Cingulata, sloths Pilosa, both Xenarthra.
    ("family", "Dasypodidae"): ("order", "Cingulata"),
    ("family", "Bradypodidae"): ("order", "Pilosa"),
    ("order", "Cingulata"): ("superorder", "Xenarthra"),
    ("order", "Pilosa"): ("superorder", "Xenarthra"),
    ("superorder", "Xenarthra"): ("subclass", "Eutheria"),
    # Marsupialia is an infraclass; kangaroos, koalas and wombats are Diprotodontia.
    ("family", "Macropodidae"): ("order", "Diprotodontia"),
    ("family", "Vombatidae"): ("order", "Diprotodontia"),
    ("genus", "Phascolarctos"): ("family", "Phascolarctidae"),
    ("family", "Phascolarctidae"): ("order", "Diprotodontia"),
    ("order", "Diprotodontia"): ("infraclass", "Marsupialia"),
    ("infraclass", "Marsupialia"): ("subclass", "Metatheria"),
    ("order", "Testudines"): ("class", "Reptilia"),
    # Gars and sturgeons are not teleosts.
    ("order", "Ganoidei"): ("class", "Actinopterygii"),
    ("class", "Actinopterygii"): ("subphylum", "Vertebrata"),
    ("family", "Pycnonotidae"): ("order", "Passeriformes"),
    ("genus", "Thyrsites"): ("family", "Gempylidae"),
    ("class", "Ascomycetes"): ("kingdom", "Fungi"),
}

# Species whose sub-species classes are breeds rather than wild forms.
DOMESTIC_SPECIES: frozenset[str] = frozenset({"Canis familiaris", "Felis catus", "Equus caballus", "Ovis aries"})

# Display names, where ImageNet's first lemma is not what a person would say.
COMMON_NAMES: dict[str, str] = {
    "n02497673": "ring-tailed lemur",  # "Madagascar cat"
    "n02134084": "polar bear",  # "ice bear"
    "n02509815": "red panda",  # "lesser panda"
    "n02395406": "domestic pig",  # "hog"
    "n02403003": "ox",
    "n01601694": "dipper",  # "water ouzel"
}

# Classes placed by hand.
LABELS: dict[str, LabelFix] = {
    # WordNet's "hen"/"cock" mean any female/male bird; ImageNet's are chickens.
    "n01514668": LabelFix("form", ("species", "Gallus gallus")),
    "n01514859": LabelFix("form", ("species", "Gallus gallus")),
    # WordNet glosses "bulbul" as the nightingale; ImageNet's are Pycnonotidae.
    "n01560419": LabelFix("unranked", ("family", "Pycnonotidae")),
    # "tusker" is "any mammal with tusks"; ImageNet's are elephants.
    "n01871265": LabelFix("unranked", ("family", "Elephantidae")),
    "n01616318": LabelFix("unranked", ("order", "Falconiformes")),  # vulture: WordNet stops at Aves
    "n01644373": LabelFix("unranked", ("family", "Hylidae")),  # tree frog
    "n02437616": LabelFix("species", ("species", "Lama glama")),  # llama
    "n02395406": LabelFix("breed", ("species", "Sus scrofa")),  # domestic pig; wild boar is the species
    "n02412080": LabelFix("breed", ("species", "Ovis aries")),  # ram
    "n02328150": LabelFix("breed", ("species", "Oryctolagus cuniculus")),  # Angora rabbit
    "n02445715": LabelFix("unranked", ("family", "Mephitidae")),  # skunk
    "n02177972": LabelFix("unranked", ("family", "Curculionidae")),  # weevil
    "n13037406": LabelFix("unranked", ("genus", "Gyromitra")),
    "n02514041": LabelFix("species", ("species", "Thyrsites atun")),  # barracouta, snoek
    "n02403003": LabelFix("breed", ("species", "Bos taurus")),  # ox
    # WordNet gives the black mamba the green mamba's binomial; ImageNet's class is the green one.
    "n01749939": LabelFix("species", ("species", "Dendroaspis angusticeps")),
    # WordNet has the genus only; ImageNet's warthogs are the common warthog.
    "n02397096": LabelFix("species", ("species", "Phacochoerus africanus")),
}

# Common names for taxa that WordNet cannot name unambiguously.
TAXON_COMMON_NAMES: dict[TaxonKey, str] = {
    ("species", "Gallus gallus"): "chicken",
    ("species", "Dendroaspis angusticeps"): "green mamba",
    ("species", "Canis familiaris"): "dog",
    ("species", "Felis catus"): "domestic cat",
    ("species", "Equus caballus"): "horse",
    ("species", "Ovis aries"): "domestic sheep",
    ("species", "Sus scrofa"): "wild boar",
    ("species", "Oryctolagus cuniculus"): "European rabbit",
    ("species", "Bos taurus"): "cattle",
    ("species", "Lama glama"): "llama",
    ("species", "Thyrsites atun"): "snoek",
    ("subfamily", "Tetraoninae"): "grouse",
    ("family", "Pycnonotidae"): "bulbul",
    ("family", "Mephitidae"): "skunk",
    ("family", "Herpestidae"): "mongoose",
    ("family", "Ailuridae"): "red panda",
    ("family", "Hominidae"): "great ape",
    ("family", "Anatidae"): "ducks, geese and swans",
    ("class", "Actinopterygii"): "ray-finned fish",
    ("order", "Testudines"): "turtle",
    ("infraclass", "Marsupialia"): "marsupial",
    ("order", "Diprotodontia"): "diprotodont marsupial",
    ("family", "Cacatuidae"): "cockatoo",
    # Classes are what a class-level answer shows ("unidentified insect"): each needs a plain name.
    ("class", "Insecta"): "insect",
    ("class", "Polyplacophora"): "chiton",
    ("class", "Basidiomycetes"): "basidiomycete fungus",
    ("class", "Gasteromycetes"): "gasteromycete fungus",
    ("class", "Ascomycetes"): "ascomycete fungus",
    ("class", "Dicotyledones"): "dicot plant",
    ("class", "Monocotyledones"): "monocot plant",
}
