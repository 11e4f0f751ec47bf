"""qkit.data"""
