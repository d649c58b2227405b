package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"encoding/json"
)

// Info is a snapshot of a sandbox (pd_container_info_json). Live figures are nil when the
// container is not running.
type Info struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"` // the engine's status word: running, exited, created, ...
	Running bool   `json:"running"`
	Image   string `json:"image"`
	// CreatedAt and StartedAt are RFC 3339, as the engine reports them.
	CreatedAt        string     `json:"created_at"`
	StartedAt        *string    `json:"started_at"`
	UptimeMs         *uint64    `json:"uptime_ms"`
	MemoryUsageBytes *uint64    `json:"memory_usage_bytes"`
	MemoryLimitBytes *uint64    `json:"memory_limit_bytes"`
	MemoryPercent    *float64   `json:"memory_percent"`
	CPUPercent       *float64   `json:"cpu_percent"` // between two samples 250 ms apart
	Pids             *uint64    `json:"pids"`
	Network          bool       `json:"network"`
	IPAddress        *string    `json:"ip_address"`
	Ports            []PortInfo `json:"ports"`
	// ProcessTitles are the column names of Processes (the engine's "top").
	ProcessTitles []string   `json:"process_titles"`
	Processes     [][]string `json:"processes"`

	// Raw is the library's JSON, with any fields newer than this binding.
	Raw json.RawMessage `json:"-"`
}

// PortInfo is a published port.
type PortInfo struct {
	ContainerPort uint16 `json:"container_port"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"host_ip"`
	HostPort      uint16 `json:"host_port"`
}

// Info inspects the sandbox (pd_container_info_json). It takes about 250 ms for a running
// container (two stats samples for CPUPercent). It works on a stopped persistent container.
func (c *Container) Info(ctx context.Context) (*Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var s *C.char
	err := c.withHandle("info", func(e **C.pd_error) C.pd_status {
		return C.pd_container_info_json(c.ptr, &s, e)
	})
	if err != nil {
		return nil, err
	}
	raw := []byte(pdString(s))
	info := &Info{Raw: raw}
	if err := json.Unmarshal(raw, info); err != nil {
		return nil, &Error{Op: "info", Code: CodeInternal, Message: "decoding the library's JSON: " + err.Error()}
	}
	return info, nil
}
