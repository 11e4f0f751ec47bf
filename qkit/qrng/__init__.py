"""qkit.qrng"""
