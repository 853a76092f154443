"""Classifying collections of photos: discovery, the batch loop, output formats and progress."""
