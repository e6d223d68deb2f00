import os
import sys

# the handler tests share handler_run.py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
