"""Test support: builders, fakes, stand-ins, provider wire bodies and shared constants.

Conftests declare fixtures only; tests import what they share from here."""
