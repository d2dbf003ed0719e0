"""Process machinery of the service: the compute pool, the answer cache and its watcher, an LRU.

Created once by the composition root (:func:`app.main.create_app`) and kept on ``app.state``;
services and routes use them, they use no service.
"""
