"""Sightings: when a visit starts and ends (pure), snapshots with JSON sidecars, and the sightings log."""
