package pocketdock

/*
#include <stdlib.h>
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"time"
)

// ProjectConfig is a project's merged settings (pd_project_config_json): the project's
// .pocketdock/pocketdock.yaml over the user's ~/.pocketdock/pocketdock.yaml over the
// built-in defaults.
type ProjectConfig struct {
	ProjectName    string        `json:"project_name"`
	DefaultProfile *string       `json:"default_profile"`
	DefaultPersist bool          `json:"default_persist"`
	Socket         *string       `json:"socket"`
	Logging        LoggingConfig `json:"logging"`
}

// LoggingConfig is the logging block of a project's settings.
type LoggingConfig struct {
	History     bool   `json:"history"`
	RunLogs     bool   `json:"run_logs"`
	MaxFileSize uint64 `json:"max_file_size"`
	MaxRunLogs  uint64 `json:"max_run_logs"`
	MaxAgeDays  uint64 `json:"max_age_days"`
}

// HistoryEntry is one line of an instance's history (logs/history.jsonl).
type HistoryEntry struct {
	Time       string  `json:"time"`
	UnixMs     uint64  `json:"unix_ms"`
	Kind       string  `json:"kind"` // run, stream, spawn, exit or session
	Command    string  `json:"command"`
	ExitCode   *int    `json:"exit_code"`
	Signal     *int    `json:"signal"`
	DurationMs *uint64 `json:"duration_ms"`
	TimedOut   bool    `json:"timed_out"`
	Truncated  bool    `json:"truncated"`
	ProcessID  *uint32 `json:"process_id"`
	Error      *string `json:"error"`
	Log        *string `json:"log"` // file name under logs/runs/
}

// DoctorItem is one finding of Doctor.
type DoctorItem struct {
	Name   string  `json:"name"`
	Path   *string `json:"path"`
	Detail string  `json:"detail"`
	Fixed  *string `json:"fixed"` // what the repair did; nil when none was made
}

// DoctorReport is what Doctor found (pd_doctor).
type DoctorReport struct {
	EngineKind    string       `json:"engine_kind"` // docker or podman
	EngineVersion string       `json:"engine_version"`
	APIVersion    string       `json:"api_version"`
	Socket        string       `json:"socket"`
	ProjectRoot   *string      `json:"project_root"`
	ProjectName   *string      `json:"project_name"`
	Orphans       []DoctorItem `json:"orphans"`
	StaleDirs     []DoctorItem `json:"stale_dirs"`
	Crashed       []DoctorItem `json:"crashed"`
	Fix           bool         `json:"fix"`
}

// Healthy reports whether Doctor found nothing.
func (r *DoctorReport) Healthy() bool {
	return len(r.Orphans) == 0 && len(r.StaleDirs) == 0 && len(r.Crashed) == 0
}

// stringCall runs a C call that writes an owned string, with its string arguments
// converted (an empty optional argument passes NULL).
func stringCall(op string, args []cArg, call func(a []*C.char, out **C.char, e **C.pd_error) C.pd_status) (string, error) {
	if err := abiOnce(); err != nil {
		return "", err
	}
	cs := make([]*C.char, len(args))
	defer func() {
		for _, s := range cs {
			cFree(s)
		}
	}()
	for i, a := range args {
		conv := cString
		if a.optional {
			conv = cStringOrNil
		}
		s, err := conv(op, a.what, a.value)
		if err != nil {
			return "", err
		}
		cs[i] = s
	}
	var out *C.char
	var e *C.pd_error
	if st := call(cs, &out, &e); st != C.PD_OK {
		return "", takeError(op, st, e)
	}
	return pdString(out), nil
}

type cArg struct {
	what, value string
	optional    bool
}

func decodeJSON(op, text string, v any) error {
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return &Error{Op: op, Code: CodeInternal, Message: "decoding the library's JSON: " + err.Error()}
	}
	return nil
}

// InitProject makes path a project (pd_project_init): .pocketdock/pocketdock.yaml naming it
// name ("" = the directory's name) and .pocketdock/instances/; an existing config is kept.
// It returns the absolute project root.
func InitProject(path, name string) (string, error) {
	return stringCall("init project", []cArg{{"path", path, false}, {"name", name, true}},
		func(a []*C.char, out **C.char, e **C.pd_error) C.pd_status {
			return C.pd_project_init(a[0], a[1], out, e)
		})
}

// FindProjectRoot returns the project root at or above start (pd_project_find_root);
// ErrFileNotFound when there is none.
func FindProjectRoot(start string) (string, error) {
	return stringCall("find project root", []cArg{{"start", start, false}},
		func(a []*C.char, out **C.char, e **C.pd_error) C.pd_status {
			return C.pd_project_find_root(a[0], out, e)
		})
}

// LoadProjectConfig returns the merged settings of the project at or above dir.
func LoadProjectConfig(dir string) (*ProjectConfig, error) {
	text, err := stringCall("project config", []cArg{{"dir", dir, false}},
		func(a []*C.char, out **C.char, e **C.pd_error) C.pd_status {
			return C.pd_project_config_json(a[0], out, e)
		})
	if err != nil {
		return nil, err
	}
	cfg := &ProjectConfig{}
	return cfg, decodeJSON("project config", text, cfg)
}

// ProjectHistory returns the history of instance (a container name) of the project at or
// above dir, oldest first; ErrFileNotFound when it has no instance directory.
func ProjectHistory(dir, instance string) ([]HistoryEntry, error) {
	text, err := stringCall("project history", []cArg{{"dir", dir, false}, {"instance", instance, false}},
		func(a []*C.char, out **C.char, e **C.pd_error) C.pd_status {
			return C.pd_project_history_json(a[0], a[1], out, e)
		})
	if err != nil {
		return nil, err
	}
	var h []HistoryEntry
	return h, decodeJSON("project history", text, &h)
}

// Doctor examines the project at or above projectDir ("" = every pocketdock container on
// the client's engine, for crashed clients only) and, with fix, repairs what is safe
// (pd_doctor; see docs/projects.md). ctx is checked before the call, which is not
// interrupted.
func (cl *Client) Doctor(ctx context.Context, projectDir string, fix bool) (*DoctorReport, error) {
	cdir, err := cStringOrNil("doctor", "project_dir", projectDir)
	if err != nil {
		return nil, err
	}
	defer cFree(cdir)
	var out *C.char
	err = cl.call(ctx, "doctor", func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_doctor(client, cdir, C.bool(fix), &out, e)
	})
	if err != nil {
		return nil, err
	}
	r := &DoctorReport{}
	return r, decodeJSON("doctor", pdString(out), r)
}

// WithProjectDir makes the sandbox part of the project at or above dir
// (pd_container_opts_set_project_dir): the project's settings apply (profile, persist,
// project label), and the sandbox gets an instance directory with data/ mounted at /data
// and run logs. Put it before the options that should override the project. The engine is
// the Client's: to use the project's socket setting, Connect with WithProjectSocket.
func WithProjectDir(dir string) Option {
	return func(c *createConfig) {
		c.setString("project_dir", dir, false, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_project_dir(c.opts, s, e)
		})
	}
}

// InstanceDir is the container's instance directory (pd_container_instance_dir);
// ErrFileNotFound when it belongs to no project.
func (c *Container) InstanceDir() (string, error) {
	var out *C.char
	err := c.withHandle("instance dir", func(e **C.pd_error) C.pd_status {
		return C.pd_container_instance_dir(c.ptr, &out, e)
	})
	if err != nil {
		return "", err
	}
	return pdString(out), nil
}

// WithTTL sets how long an ephemeral sandbox may live (pd_container_opts_set_ttl_ms; 0
// removes the limit): past it, Doctor treats it as left by a crashed client.
func WithTTL(d time.Duration) Option {
	return func(c *createConfig) {
		c.set("ttl", func(e **C.pd_error) C.pd_status {
			var ms C.int64_t
			if d != 0 {
				ms = millis(d)
			}
			return C.pd_container_opts_set_ttl_ms(c.opts, ms, e)
		})
	}
}
