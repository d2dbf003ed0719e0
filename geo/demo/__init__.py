"""Demo facilities sized to each plan's own inventory, every row labelled ``synthetic``.

``generate`` places and sizes them (:func:`~geo.demo.generate.generate_demo_facilities`);
``inventory`` loads the plans' stated figures with their citations from ``inventories/*.yaml``;
``city`` (the checked inputs), ``placement``, ``capacity``, ``ems`` and ``rows`` are its parts.
"""
