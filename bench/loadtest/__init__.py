"""The parts of bench/load.py, one per concern. bench/load.py puts bench/ on sys.path, so
these modules import bench/service.py as ``service``."""
