"""Torch-free inference: ONNX Runtime + NumPy + Pillow, and the bundled default model in ``weights/``."""
