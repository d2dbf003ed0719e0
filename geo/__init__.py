"""Pure computation: road networks, travel times, coverage, norms. No web, no database."""
