"""The GANs: chapter 1's toy GAN, DCGAN's networks, its training engine (step, loop,
checkpoints, monitoring), cached runs and the numbers that judge a generator."""
