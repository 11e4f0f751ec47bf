"""qkit.fl"""
