"""Fuse layer: vessel identity, sanctions, sightings, claims, dark legs and risk."""
