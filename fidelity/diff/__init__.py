"""Diff and rules layer: tree diff engine, snapshot comparison and the gate."""
