#pragma once
// Generated clips on disk. Every export is atomic (written under a temporary name in the target's folder, then
// renamed), and carries the job's metadata ({"weft": {job, request}, …}) where the format allows it:
//   mp4  OpenCV VideoWriter (FFmpeg, MPEG-4 Part 2 "mp4v"); OpenCV cannot write MP4 tags, so the metadata goes to
//        a sidecar <file>.json written next to it (also atomically)
//   png  a folder of frame_000.png …, each PNG with tEXt "weft" (metadata + "frame") and an A1111-style
//        "parameters" line, as save_png; the folder appears complete or not at all
//   gif  animated GIF through giflib, looping forever; the metadata is the GIF's comment extension
// Light header (no LibTorch, no OpenCV).
#include <string>
#include <vector>

#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/generate.h"

namespace weft::image {

enum class ClipFormat { Mp4, Png, Gif };
ClipFormat clip_format_from_name(const std::string& name);  // "mp4", "png", "gif"; throws Error otherwise
const char* clip_format_name(ClipFormat);
std::string clip_file_name(const std::string& stem, ClipFormat);  // stem.mp4, stem (folder), stem.gif

// Throws weft::Error (naming the path) for an empty clip, frames of different sizes, or a failed write; the
// target is then left as it was.
void write_clip(const std::string& path, const std::vector<PreviewImage>& frames, double fps, ClipFormat format,
                const Json& metadata);

// Every clip of a video result as <folder>/<stem>_<i>.<ext> (metadata = result JSON + "index"); returns the paths.
std::vector<std::string> save_clips(const GenerateResult& res, const std::string& folder, const std::string& stem,
                                    ClipFormat format);

// A clip file (MP4 and other FFmpeg containers, animated GIF) decoded with OpenCV: at most `max_frames` RGB frames.
// `metadata` (optional) receives what write_clip stored: the GIF's comment or the MP4's sidecar JSON ("" if none).
// Throws Error naming the file when it cannot be decoded.
std::vector<PreviewImage> read_clip_frames(const std::string& path, int max_frames = 1024, std::string* metadata = nullptr);

// The comment of a GIF written by write_clip (empty when it has none); throws Error when the file is not a GIF.
std::string read_gif_comment(const std::string& path);

}  // namespace weft::image
