"""Personal data across domains: what a person may ask for (export) and their erasure, above
people, team, riders, measures, activities and calendars, which they read."""
