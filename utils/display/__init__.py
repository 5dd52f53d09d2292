"""What a chapter shows: image grids and curves, sliders, and the package's own code."""
