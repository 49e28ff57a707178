"""Fit and recommendation: foot/gait profiles, fitting rules, ranking, the feedback learner."""
