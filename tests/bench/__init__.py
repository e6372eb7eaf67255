"""Benchmarks (``make bench``): they print tables and write JSON to bench-results/.

Not collected by pytest (no ``test_`` files here) and never run by the test command.
"""
