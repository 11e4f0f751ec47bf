"""qkit.qnn"""
