"""`python -m dagster api grpc -h HOST -p PORT -f FILE -d DIR`, stand-in: loads
FILE as dagster would (with DIR as the working directory), prints the
definitions it finds, and exits instead of serving gRPC."""
import argparse
import os
import runpy
import sys

from dagster import Definitions

parser = argparse.ArgumentParser(prog="dagster", add_help=False)
parser.add_argument("command", nargs=2)
parser.add_argument("-h", dest="host")
parser.add_argument("-p", dest="port")
parser.add_argument("-f", dest="file", required=True)
parser.add_argument("-d", dest="dir")
args = parser.parse_args()
if args.dir:
    os.chdir(args.dir)
namespace = runpy.run_path(args.file)
found = [v for v in namespace.values() if isinstance(v, Definitions)]
if not found:
    sys.exit(f"dagster (stand-in): {args.file} defines no Definitions")
print(f"dagster (stand-in) {' '.join(args.command)}: python {sys.version.split()[0]}, "
      f"loaded {args.file}")
for defs in found:
    for a in defs.assets:
        print(f"  {a!r}")
print(f"would serve gRPC on {args.host}:{args.port}")
