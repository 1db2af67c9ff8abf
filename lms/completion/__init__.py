"""Completion: where a trainee stands in each module and course (Moodle's completion API, Open edX's grades).

It reads the records below it (lessons read, role-plays passed, overrides, live hours attended) and
nothing above it reads them again: certificates, trainers' pages and the dashboard ask here.
"""
