package io.prometheus.metrics.tracer.agent;

import io.prometheus.metrics.tracer.otel.OpenTelemetrySpanContext;

/**
 * Compile-time stand-in for client_java's OpenTelemetry agent tracer
 * module: the OpenTelemetry tracer's stand-in under the agent's name,
 * never available either.
 */
public class OpenTelemetryAgentSpanContext extends OpenTelemetrySpanContext {}
