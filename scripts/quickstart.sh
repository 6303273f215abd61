#!/usr/bin/env bash
# The main job: set-up, build, then the quickstart pipeline (recipes/quickstart.yaml) on its embedded tiny model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build src/ReasonFlux.Cli -c Release -nologo -v quiet
exec dotnet src/ReasonFlux.Cli/bin/Release/net10.0/reasonflux.dll train recipes/quickstart.yaml "$@"
