"""Reading: each trainee's progress through a lesson (time read, finished), recorded as they read."""
