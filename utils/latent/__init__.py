"""The latent space: paths between codes, an attribute classifier for generated
faces, and the interpolation, walks, arithmetic and directions built on them."""
