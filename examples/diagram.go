package examples

import (
	"fmt"
	"strings"

	"github.com/atrest-sim/atrest/lifecycle"
)

// hierarchy builds a Mermaid flowchart of the key hierarchies behind a few
// verdicts: platform or customer keys wrap the SSE DEK that encrypts a
// disk; a KEK wraps the BEK secret that unlocks an ADE volume; the volume
// holds the files. Keys a vantage cannot obtain are drawn dashed.
type hierarchy struct {
	parts []string
	n     int
}

// add draws the key chain of verdict v in a subgraph titled title.
// customerKey names the disk encryption set's key for SSE-CMK layers.
func (h *hierarchy) add(title string, v lifecycle.Verdict, customerKey string) {
	h.n++
	p := fmt.Sprintf("q%d", h.n)
	var b strings.Builder
	var unavailable []string
	node := func(id, label string) string {
		fmt.Fprintf(&b, "    %s_%s[\"%s\"]\n", p, id, mermaidText(label))
		return p + "_" + id
	}
	edge := func(from, label, to string) {
		if label == "" {
			fmt.Fprintf(&b, "    %s --> %s\n", from, to)
		} else {
			fmt.Fprintf(&b, "    %s -- %s --> %s\n", from, label, to)
		}
	}
	key := func(name string) (lifecycle.KeyAccess, bool) {
		for _, k := range v.Keys {
			if k.Name == name || strings.HasPrefix(k.Name, name+" ") {
				return k, true
			}
		}
		return lifecycle.KeyAccess{}, false
	}
	mark := func(id string, k lifecycle.KeyAccess, found bool) {
		if found && !k.Obtainable {
			unavailable = append(unavailable, id)
		}
	}
	fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", p, mermaidText(title))
	art := node("art", v.Artifact.String())
	last := art
	for i, l := range v.Layers {
		switch {
		case strings.HasPrefix(l.Name, "SSE") && l.State == "removed at the storage boundary":
			s := node(fmt.Sprintf("l%d", i), "SSE removed at export: the VHD holds what the guest wrote")
			edge(last, "", s)
			last = s
		case strings.HasPrefix(l.Name, "SSE"):
			dek := node("dek", "SSE DEK (per disk, AES-256)")
			k, found := key("SSE DEKs")
			mark(dek, k, found)
			if strings.Contains(l.Name, "PMK") {
				edge(node("pmk", "platform key"), "wraps", dek)
			}
			if strings.Contains(l.Name, "CMK") {
				ck := "customer key (DES)"
				if customerKey != "" {
					ck = "customer key " + shortID(customerKey)
				}
				edge(node("cmk", ck), "wraps", dek)
			}
			layer := node(fmt.Sprintf("l%d", i), l.Name+" layer")
			edge(dek, "encrypts", layer)
			edge(last, "", layer)
			last = layer
		case strings.HasPrefix(l.Name, "ADE"):
			vol := node(fmt.Sprintf("l%d", i), l.Name+" volume")
			if k, ok := key("volume key"); ok {
				vk := node("vk", "volume key (in guest memory)")
				mark(vk, k, true)
				edge(vk, "unlocks", vol)
			} else {
				bekName, bek := "BEK", lifecycle.KeyAccess{}
				var found bool
				if bek, found = key("BEK secret"); found {
					bekName = "BEK secret " + shortID(strings.TrimPrefix(bek.Name, "BEK secret "))
				} else {
					bek, found = key("BEK")
				}
				bn := node("bek", bekName)
				mark(bn, bek, found)
				if kek, ok := key("KEK"); ok {
					kn := node("kek", "KEK "+shortID(strings.TrimPrefix(kek.Name, "KEK ")))
					mark(kn, kek, true)
					edge(kn, "wraps", bn)
				}
				edge(bn, "unlocks", vol)
			}
			edge(last, "", vol)
			last = vol
		case l.Name == "encryption at host" || l.Name == "host encryption of v5+ sizes":
			enc := node(fmt.Sprintf("l%d", i), l.Name)
			k, found := key("host key")
			hk := node("hk", "host key (platform)")
			mark(hk, k, found)
			edge(hk, "encrypts", enc)
			edge(last, "", enc)
			last = enc
		case l.Name == "files":
			f := node("files", "files ("+l.State+")")
			edge(last, "", f)
			last = f
		default:
			if l.Key == "" {
				continue
			}
			x := node(fmt.Sprintf("l%d", i), l.Name)
			edge(last, "", x)
			last = x
		}
	}
	b.WriteString("  end\n")
	for _, id := range unavailable {
		fmt.Fprintf(&b, "  class %s unavailable\n", id)
	}
	h.parts = append(h.parts, b.String())
}

// String returns the Mermaid flowchart, or "" if nothing was drawn.
func (h *hierarchy) String() string {
	if len(h.parts) == 0 {
		return ""
	}
	return "flowchart LR\n" + strings.Join(h.parts, "") +
		"  classDef unavailable stroke-dasharray:5 5,stroke:#c00\n"
}

// mermaidText makes s safe inside a quoted Mermaid label.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "'", "\n", " ", "[", "(", "]", ")").Replace(s)
}
