"""Training: the only part of clockreader that imports torch, torchvision, timm and fastai."""
