"""Demo facilities sized to each plan's own inventory, every row labelled ``synthetic``.

``generate`` places and sizes them; ``inventories`` holds the plans' stated figures with their
citations; ``placement``, ``capacity`` and ``rows`` are its parts.
"""
