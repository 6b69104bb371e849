#!/bin/sh
# Builds the real jmx_exporter collector (the oracle of Rosetta's JMX
# golden tests) from its source with javac, outside the repository:
#
#   testdata/jmx/oracle/build.sh OUT_DIR
#
# The sources are cloned into $JMX_ORACLE_SRC (default OUT_DIR/src) at the
# pinned commits below unless a checkout is already there; set
# JMX_EXPORTER_REPO / CLIENT_JAVA_REPO to clone from a mirror. Maven is not
# used: the collector module of jmx_exporter and the client_java modules
# it needs (model, config, core with its tracer and annotations, and the
# text exposition writer) are compiled together with Debian's SnakeYAML
# (libyaml-snake-java) and JSR-305 annotations (libjsr305-java), and with
# compile-time stand-ins (stubs/) for the SSL library and the OpenTelemetry
# tracer, which the oracle never uses. OUT_DIR/classpath receives the class
# path to run Oracle with, OUT_DIR/examples links jmx_exporter's examples/.
set -eu

JMX_EXPORTER_COMMIT=${JMX_EXPORTER_COMMIT:-4b843c6938bb26c7535f30bc8fa2a7879157f195} # 1.6.0-POST, Aug 2026
CLIENT_JAVA_COMMIT=${CLIENT_JAVA_COMMIT:-8f8cb844283d6288bb83967db9c99c7e8ba7051a}   # v1.8.0, the version jmx_exporter's pom names
JMX_EXPORTER_REPO=${JMX_EXPORTER_REPO:-https://github.com/prometheus/jmx_exporter}
CLIENT_JAVA_REPO=${CLIENT_JAVA_REPO:-https://github.com/prometheus/client_java}

out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=${JMX_ORACLE_SRC:-$out/src}

for jar in /usr/share/java/snakeyaml.jar /usr/share/java/jsr305.jar; do
	if [ ! -f "$jar" ]; then
		echo "build.sh: $jar is missing (apt-get install libyaml-snake-java libjsr305-java)" >&2
		exit 1
	fi
done

checkout() { # repo dir commit
	if [ ! -d "$2/.git" ] && [ ! -f "$2/.git" ]; then
		git clone --quiet --no-checkout "$1" "$2"
	fi
	git -C "$2" cat-file -e "$3^{commit}" 2>/dev/null || git -C "$2" fetch --quiet origin "$3"
	git -C "$2" -c advice.detachedHead=false checkout --quiet --force "$3"
	echo "$2 at $(git -C "$2" rev-parse HEAD)"
}
mkdir -p "$src"
checkout "$JMX_EXPORTER_REPO" "$src/jmx_exporter" "$JMX_EXPORTER_COMMIT"
checkout "$CLIENT_JAVA_REPO" "$src/client_java" "$CLIENT_JAVA_COMMIT"

list="$out/sources.txt"
{
	find "$src/jmx_exporter/collector/src/main/java" -name '*.java'
	for m in prometheus-metrics-annotations prometheus-metrics-model prometheus-metrics-config \
		prometheus-metrics-core prometheus-metrics-exposition-textformats \
		prometheus-metrics-tracer/prometheus-metrics-tracer-common \
		prometheus-metrics-tracer/prometheus-metrics-tracer-initializer; do
		find "$src/client_java/$m/src/main/java" -name '*.java'
	done
	find "$here" -name '*.java'
} >"$list"
rm -rf "$out/classes"
mkdir -p "$out/classes"
javac -nowarn -encoding UTF-8 -d "$out/classes" \
	-cp /usr/share/java/snakeyaml.jar:/usr/share/java/jsr305.jar @"$list"
echo "$out/classes:/usr/share/java/snakeyaml.jar" >"$out/classpath"
# jmx_exporter's own example configs, compared live (never committed).
ln -sfn "$src/jmx_exporter/examples" "$out/examples"
echo "oracle built: $(wc -l <"$list") source files, class path in $out/classpath"
