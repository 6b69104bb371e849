package javaser

import "fmt"

// RemoteError is a decoded java.lang.Throwable: an exception the server
// (the stream's writer) threw.
type RemoteError struct {
	Class   string
	Message string
	Cause   *RemoteError
}

func (e *RemoteError) Error() string {
	s := e.Class
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil {
		s += "; caused by " + e.Cause.Error()
	}
	return s
}

// Is lets errors.Is match on the Java class name of any exception in the
// chain, via a *RemoteError with only Class set.
func (e *RemoteError) Is(target error) bool {
	t, ok := target.(*RemoteError)
	if !ok || t.Message != "" || t.Cause != nil {
		return false
	}
	for c := e; c != nil; c = c.Cause {
		if c.Class == t.Class {
			return true
		}
	}
	return false
}

// RemoteErrorOf interprets a decoded Throwable.
func RemoteErrorOf(v any) *RemoteError { return remoteErrorOf(v, 0) }

func remoteErrorOf(v any, depth int) *RemoteError {
	o, ok := v.(*Object)
	if !ok || depth > 8 {
		return &RemoteError{Class: fmt.Sprintf("%T", v)}
	}
	re := &RemoteError{Class: o.Class.Name}
	if m, ok := o.Field("java.lang.Throwable", "detailMessage"); ok {
		re.Message, _ = m.(string)
	}
	if c, ok := o.Field("java.lang.Throwable", "cause"); ok && c != nil && c != v {
		re.Cause = remoteErrorOf(c, depth+1)
	}
	// RemoteException keeps its cause in "detail", RuntimeMBeanException
	// in "runtimeException", MBeanException and ReflectionException in
	// "exception", RuntimeErrorException in "error".
	for _, f := range []string{"detail", "runtimeException", "exception", "error"} {
		if re.Cause != nil {
			break
		}
		if c, ok := o.Field("", f); ok && c != nil && c != v {
			if _, isObj := c.(*Object); isObj {
				re.Cause = remoteErrorOf(c, depth+1)
			}
		}
	}
	return re
}

func throwableMessage(v any) string { return remoteErrorOf(v, 0).Error() }
