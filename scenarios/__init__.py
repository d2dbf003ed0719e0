"""Scripts a planner runs to test proposed sites; each has main(argv) -> int."""
