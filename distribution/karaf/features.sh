#!/bin/bash
# Writes Corral's Karaf feature repository (features.xml) from the bundles
# laid out in REPOSITORY (Maven layout): one mvn: URL per jar, so the feature
# holds exactly what the distribution ships but what Karaf has. Bundles not
# Corral's own (Declarative Services, gson) are dependencies: Karaf installs
# them only when nothing installed provides what they do (its scr feature,
# for one). jnr is its plain bundle (io.corral.jnr, classifier "bundle"):
# Karaf restarts its framework for a framework extension that a feature
# installs (see docs/embedding.md, "Which bundles run where").
# Usage: features.sh REPOSITORY VERSION OUTPUT
set -euo pipefail
repository=$1 version=$2 output=$3
feature_version=${version/-/.}
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  # Schema 1.2.1: Karaf's resolver then leaves services to run time, as Felix does; under 1.3.0
  # and later it wants each mandatory DS reference's service declared by some installed bundle,
  # which Karaf's own (pax-logging's LogReaderService, the shell's CommandProcessor) are not.
  echo "<features xmlns=\"http://karaf.apache.org/xmlns/features/v1.2.1\" name=\"corral-$version\">"
  echo "  <feature name=\"corral\" version=\"$feature_version\" description=\"Corral: typed, isolated worker processes\">"
  echo '    <!-- Karaf has ConfigAdmin, the Log Service (pax-logging) and the shell. -->'
  (cd "$repository" && find . -name '*.jar' | sort) | while read -r jar; do
    path=${jar#./}
    dir=${path%/*}
    v=${dir##*/}; dir=${dir%/*}
    artifact=${dir##*/}; dir=${dir%/*}
    group=${dir//\//.}
    name=${path##*/}
    classifier=${name#"$artifact-$v"}; classifier=${classifier%.jar}; classifier=${classifier#-}
    case $group/$artifact in
      io.corral/*) echo "    <bundle>mvn:$group/$artifact/$v${classifier:+/jar/$classifier}</bundle>" ;;
      *) echo "    <bundle dependency=\"true\">mvn:$group/$artifact/$v</bundle>" ;;
    esac
  done
  echo '  </feature>'
  echo '</features>'
} > "$output"
