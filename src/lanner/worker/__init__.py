"""The worker: claims worker jobs, runs runnable tasks, reports their results."""
