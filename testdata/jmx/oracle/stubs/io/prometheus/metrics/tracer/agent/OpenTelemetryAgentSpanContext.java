package io.prometheus.metrics.tracer.agent;

import io.prometheus.metrics.tracer.common.SpanContext;

/**
 * Compile-time stand-in for client_java's OpenTelemetry tracer module
 * (it needs the OpenTelemetry API). Never available, as when the module
 * is absent from the class path.
 */
public class OpenTelemetryAgentSpanContext implements SpanContext {
    public static boolean isAvailable() { return false; }
    public String getCurrentTraceId() { return null; }
    public String getCurrentSpanId() { return null; }
    public boolean isCurrentSpanSampled() { return false; }
    public void markCurrentSpanAsExemplar() {}
}
