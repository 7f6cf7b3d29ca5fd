#!/usr/bin/env bash
# Regenerates the demo clips that the fake EvoLink server (evolink-mock) hands out as finished
# videos, in crates/evolink-mock/assets/. Five scenes, each in three shapes (landscape 1280x720,
# portrait 720x1280, square 720x720), 4 seconds at 24 fps, H.264 High, yuv420p, +faststart, no
# audio and no metadata, the way EvoLink's models return MP4s:
#
#   landscape.mp4, portrait.mp4, square.mp4   slow flowing ribbons of colour (the default)
#   sea-{landscape,portrait,square}.mp4       the sun setting over a calm sea, light on the waves
#   night-{...}.mp4                           an aurora over dark hills under the stars
#   city-{...}.mp4                            warm out-of-focus city lights drifting past
#   forest-{...}.mp4                          rays of light through a misty forest
#
# Which clip answers which prompt is decided by the table in crates/evolink-mock/src/clips.rs.
#
# Free to use: every pixel is computed here by ffmpeg's own generators and filters (nullsrc,
# geq expressions, blends, blurs, vignette), from the numbers in this file. No footage, picture
# or font made by anyone else goes in, so the clips carry nobody's rights but the project's.
#
# Reproducible: the filters run on one thread, x264 encodes on one thread in two passes at a
# fixed bitrate, nothing random is used (the "random" star and light positions are hashes of
# fixed numbers), and the files get no dates, no version numbers and no x264 settings message.
# The same ffmpeg, x264 and C library give the same bytes; the clips are committed, so this
# only needs to run when they should change. Needs ffmpeg with libx264. Takes some minutes.
#
# Budget: the app embeds these clips, so each must stay under 60 KB and all of them under
# 600 KB; the script fails otherwise.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/crates/evolink-mock/assets"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

clip_limit=60000
total_limit=600000
# Bits per second for landscape and portrait (the same number of pixels) and for square (about
# half). The default scene is the one most people see, and the hardest to compress, so it gets
# more. crates/engine/tests/download.rs resumes a download of landscape.mp4 at byte 40000: that
# clip must stay well over 40 KB.
rates() { # scene -> "wide square"
  if [ "$1" = flow ]; then echo "100k 64k"; else echo "72k 48k"; fi
}

# Scales are exact and SIMD-independent; still frames are made once and repeated.
scale_flags="bicubic+accurate_rnd+full_chroma_int+bitexact"
still() { # width height -> a one-frame source, to be followed by a generator and `repeat`
  echo "nullsrc=s=${1}x${2}:r=24:d=0.04"
}
repeat="loop=loop=95:size=1,setpts=N/24/TB"
# A number in [0,1) from the cell index in ld(2) (and ld(3) when given): a fixed hash.
hash() { echo "mod(abs(sin(ld(2)*$1+ld(3)*$2+$3))*43758.5453,1)"; }

# Each scene prints a filter graph for a width and height that ends in [v].

# The default: slow flowing ribbons of colour. Smooth, so drawn at a quarter of the size.
scene_flow() {
  local W=$1 H=$2
  local w=$((W / 4)) h=$((H / 4))
  local s="min($w,$h)"
  local u="(X/$s+0.05*T)" v="(Y/$s+0.02*T)"
  local f="st(0,0.55*sin(2.2*$u+1.6*sin(1.9*$v+0.16*T)+0.12*T)+0.45*sin(2.6*$v+1.8*sin(2.1*$u-0.14*T)-0.1*T)+0.25*sin(3.3*($u+$v)+0.18*T));st(1,pow(0.5+0.5*cos(ld(0)*9+0.25*T),10))"
  pal() { echo "$f;clip(235*($1+$2*cos(6.2832*(0.45*ld(0)+$3))+0.45*ld(1)),0,255)"; }
  cat <<G
nullsrc=s=${w}x${h}:r=24:d=4,format=gbrp,geq=r='$(pal 0.55 0.42 0.05)':g='$(pal 0.42 0.36 0.25)':b='$(pal 0.6 0.35 0.45)',scale=${W}x${H}:flags=$scale_flags,vignette=angle=0.6[v]
G
}

# The sun setting over a calm sea: a still sky and sea, with moving light on the waves drawn at
# half size over it.
scene_sea() {
  local W=$1 H=$2
  local hy=$((H * 56 / 100))
  [ "$H" -gt "$W" ] && hy=$((H / 2))
  local sh=$((H - hy))
  local r="(min($W,$H)*0.07)" sx="($W*0.5)"
  local sy="($hy-$r*1.25)"
  local d="(hypot(X-$sx,Y-$sy)/$r)" s="(Y/$hy)" wd="((Y-$hy)/$sh)"
  local col="exp(-pow((X-$sx)/($W*(0.03+0.25*$wd)),2))"
  # sky top, middle, horizon, sun, glow | sea near, sea far, reflection
  plane() {
    local sky="$1*(1-$s)*(1-$s)+$2*2*$s*(1-$s)+$3*$s*$s+$4*clip((1.02-$d)*12,0,1)+$5*exp(-$d*1.1)*0.8"
    local sea="($6*(1-$wd)*(1-$wd)+$7*(1-(1-$wd)*(1-$wd)))+$8*0.35*$col*(1-$wd)+$5*0.45*exp(-abs(X-$sx)/($r*5))*pow(1-$wd,4)"
    echo "clip(if(lt(Y,$hy),$sky,$sea),0,255)"
  }
  local gw=$((W / 2)) gh=$((sh / 2))
  # the waves' size follows the picture's longer side, so that a tall sea looks the same
  local m=$((W > H ? W : H))
  local w="(Y/$gh)"
  local rf="exp(-pow((X-$gw*0.5)/($((W + m)) / 4*(0.025+0.22*$w)),2))"
  local glint="pow(0.5+0.5*sin(9/($w+0.06)+T*2.2+1.3*sin(X*36/($m*($w+0.15))+T*1.1)),3)"
  local swell="pow(0.5+0.5*sin(7/($w+0.06)+T*1.6+0.8*sin(X*18/($m*($w+0.2))-T*0.9)),2)"
  cat <<G
$(still "$W" "$H"),format=gbrp,geq=r='$(plane 28 165 255 255 255 200 14 255)':g='$(plane 20 55 145 240 150 95 16 180)':b='$(plane 70 115 75 200 70 90 48 100)',${repeat}[bg];
nullsrc=s=${gw}x${gh}:r=24:d=4,format=gray,geq=lum='clip(255*($rf*$glint*(1.1-0.6*$w)+0.1*$swell*(1-0.7*$w)),0,255)',scale=${W}x${sh}:flags=$scale_flags,format=gbrp,colorchannelmixer=rr=1:gg=0.74:bb=0.42,pad=${W}:${H}:0:${hy}[gl];
[bg][gl]blend=all_mode=screen,vignette=angle=0.5[v]
G
}

# An aurora over dark hills: a still starry sky, the moving aurora drawn at a third of the size,
# the hills in front.
scene_night() {
  local W=$1 H=$2
  local u="(X/$W)" v="(Y/$H)"
  local r1="(0.80+0.045*sin($u*6.3+1.1)+0.025*sin($u*15.7+2.3)+0.01*sin($u*37+0.7))"
  local r2="(0.86+0.05*sin($u*4.1+4.2)+0.02*sin($u*11.3+0.4)+0.008*sin($u*41+1.9))"
  # one star per 22-pixel cell, at a hashed place with a hashed brightness (most are faint)
  local c=22
  local cell
  cell="st(2,floor(X/$c));st(3,floor(Y/$c));st(4,$(hash 127.1 311.7 0));st(5,$(hash 269.5 183.3 0));st(6,$(hash 419.2 371.9 0))"
  local star="pow(ld(6),5)*exp(-(pow(X-(ld(2)+0.15+0.7*ld(4))*$c,2)+pow(Y-(ld(3)+0.15+0.7*ld(5))*$c,2))/(0.5+1.6*pow(ld(6),4)))*(1-$v)"
  sky() { echo "$cell;clip($1*(1-$v)+$2*$v+$3*exp(-pow(($v-0.8)/0.12,2))+245*$star,0,255)"; }
  hills() { echo "if(gt(Y,$H*$r2),$2,$1)"; }
  local w=$((W / 3)) h=$((H / 3))
  local m=$((w > h ? w : h))
  local au="((X-$w/2)/$m+0.5)" av="(Y/$h)"
  # ld(0): the curtain's lower edge; ld(1): height above it; ld(7): its rays and brightness
  local curve="st(0,0.30+0.14*$au+0.06*sin($au*4.3+0.45*T)+0.035*sin($au*9.7-0.7*T+1.0)+0.015*sin($au*19-1.1*T));st(1,ld(0)-$av);st(7,(0.55+0.25*sin($au*53+3*sin($au*6+0.5*T)+1.2*T)+0.2*sin($au*97-0.9*T))*(0.15+0.85*exp(-pow(($au-0.55-0.08*sin(0.4*T))/0.3,2))))"
  local curtain="ld(7)*if(gt(ld(1),0),0.4*exp(-ld(1)/0.3)+0.6*exp(-ld(1)/0.06),exp(-pow(ld(1)/0.01,2)))"
  aurora() { echo "$curve;clip(380*$curtain*($1*exp(-max(ld(1),0)/0.09)+$2*(1-exp(-max(ld(1),0)/0.09))),0,255)"; }
  cat <<G
$(still "$W" "$H"),format=gbrp,geq=r='$(sky 4 14 20)':g='$(sky 7 26 45)':b='$(sky 24 60 60)',${repeat}[bg];
$(still "$W" "$H"),format=gbrap,geq=r='$(hills 9 3)':g='$(hills 16 5)':b='$(hills 28 10)':a='255*clip(Y-$H*$r1+0.5,0,1)',${repeat}[hl];
nullsrc=s=${w}x${h}:r=24:d=4,format=gbrp,geq=r='$(aurora 0.15 0.75)':g='$(aurora 1.0 0.25)':b='$(aurora 0.55 1.0)',scale=${W}x${H}:flags=${scale_flags}[au];
[bg][au]blend=all_mode=screen[sk];[sk][hl]overlay=format=gbrp[v]
G
}

# Warm city lights out of focus: three still layers of soft discs, wider than the picture,
# sliding past at different speeds over a dark street glow.
scene_city() {
  local W=$1 H=$2
  local ew=$((W + 4 * 96))
  local v="(Y/$H)"
  # disc cell radius gain band-centre channel threshold
  disc() {
    local c=$1 rf=$2 g=$3 bc=$4 th=$6 pal
    # orange, amber, red, blue, warm white, chosen by the hash in ld(7)
    case $5 in
      r) pal="if(lt(ld(7),0.45),255,if(lt(ld(7),0.65),255,if(lt(ld(7),0.78),255,if(lt(ld(7),0.9),90,255))))" ;;
      g) pal="if(lt(ld(7),0.45),150,if(lt(ld(7),0.65),205,if(lt(ld(7),0.78),85,if(lt(ld(7),0.9),200,235))))" ;;
      b) pal="if(lt(ld(7),0.45),55,if(lt(ld(7),0.65),110,if(lt(ld(7),0.78),70,if(lt(ld(7),0.9),235,205))))" ;;
    esac
    # ld(2), ld(3): the cell (columns shifted by ld(9)); ld(8): distance from the disc's centre
    local cell
    cell="st(2,floor(X/$c));st(3,0);st(9,$(hash 71.3 0 3.1));st(3,floor(Y/$c+ld(9)));st(4,$(hash 127.1 311.7 0));st(5,$(hash 269.5 183.3 0));st(6,$(hash 419.2 371.9 0));st(7,$(hash 37.3 91.7 0))"
    local dist="st(8,hypot(X-(ld(2)+0.5+(1-2*$rf)*(ld(4)-0.5))*$c,Y-(ld(3)-ld(9)+0.5+(1-2*$rf)*(ld(5)-0.5))*$c)/($c*$rf))"
    echo "$cell;$dist;clip($pal*$g*gt(ld(6),$th)*(0.35+0.65*(ld(6)-$th)/(1-$th))*(0.7+0.3*pow(ld(8),4))*clip((1-ld(8))*$c*$rf/1.5,0,1)*exp(-pow(((ld(3)-ld(9)+0.5)*$c/$H-$bc)/0.28,2)),0,255)"
  }
  layer() { # cell radius gain band threshold blur pixels-per-frame
    echo "$(still "$ew" "$H"),format=gbrp,geq=r='$(disc "$1" "$2" "$3" "$4" r "$5")':g='$(disc "$1" "$2" "$3" "$4" g "$5")':b='$(disc "$1" "$2" "$3" "$4" b "$5")',gblur=sigma=$6,$repeat,crop=w=$W:h=$H:x='n*$7':y=0"
  }
  bg() { echo "clip($1*(1-$v)+$3*$v+$2*exp(-pow(($v-0.55)/0.2,2)),0,255)"; }
  cat <<G
$(still "$W" "$H"),format=gbrp,geq=r='$(bg 12 45 14)':g='$(bg 10 20 9)':b='$(bg 30 30 16)',${repeat}[bg];
$(layer 40 0.18 0.5 0.58 0.55 0.7 1)[l1];
$(layer 96 0.26 0.8 0.52 0.45 1.2 2)[l2];
$(layer 230 0.34 0.5 0.5 0.4 4 4)[l3];
[bg][l1]blend=all_mode=screen[a];[a][l2]blend=all_mode=screen[b];[b][l3]blend=all_mode=screen[v]
G
}

# Light through a misty forest: a still glowing fog, three still layers of trunks (the nearer,
# the darker and the sharper; the nearest slides past), moving rays drawn at a quarter size.
scene_forest() {
  local W=$1 H=$2
  local ew=$((W + 96))
  local u="(X/$W)" v="(Y/$H)" s="max($W,$H)"
  local glow="exp(-hypot(X-$W*0.72,Y+$H*0.1)/($s*0.6))"
  local floor="clip(($v-0.74-0.01*sin($u*9))/0.12,0,1)"
  fog() { echo "clip(($1+($2-$1)*$glow)*(1-0.75*$floor)+$3*$floor*0.75,0,255)"; }
  trunks() { # cell opacity bottom r g b pixels-per-frame blur
    local c=$1
    # ld(7): the trunk's centre, ld(8): its half width, both hashed from the column in ld(2)
    local t
    t="st(2,floor(X/$c));st(3,0);st(4,$(hash 127.1 0 3.7));st(5,$(hash 269.5 0 1.3));st(6,$(hash 419.2 0 5.9));st(7,(ld(2)+0.5+0.6*(ld(4)-0.5))*$c);st(8,$c*(0.05+0.08*ld(5))*(0.85+0.3*$v))"
    local lit="(0.7+0.45*clip((X-ld(7))/ld(8),-1,1))"
    echo "$(still "$ew" "$H"),format=gbrap,geq=r='$t;clip($4*$lit,0,255)':g='$t;clip($5*$lit,0,255)':b='$t;clip($6*$lit,0,255)':a='$t;255*$2*gt(ld(6),0.35)*clip(ld(8)-abs(X-ld(7))+0.5,0,1)*clip(($3-$v)*40+0.5*ld(4),0,1)',gblur=sigma=$8,$repeat,crop=w=$W:h=$H:x='n*$7':y=0"
  }
  local w=$((W / 4)) h=$((H / 4))
  local rays="st(0,atan2(X-$w*0.72,Y+$h*0.1));st(1,hypot(X-$w*0.72,Y+$h*0.1)/max($w,$h));clip(255*(0.6*pow(0.5+0.5*sin(ld(0)*13+2*sin(ld(0)*5+0.25*T)+0.3*T),4)+0.3*(0.5+0.5*sin(X/$w*5-0.35*T+2*sin(Y/$h*3+0.2*T))))*exp(-ld(1)*1.2),0,255)"
  cat <<G
$(still "$W" "$H"),format=gbrp,geq=r='$(fog 75 255 35)':g='$(fog 110 240 55)':b='$(fog 85 180 30)',${repeat}[bg];
$(trunks 80 0.3 0.77 40 55 35 0 2.5)[t1];
$(trunks 170 0.6 0.86 38 50 30 0 1.2)[t2];
$(trunks 400 1 2 28 32 20 1 0.8)[t3];
nullsrc=s=${w}x${h}:r=24:d=4,format=gray,geq=lum='$rays',scale=${W}x${H}:flags=$scale_flags,format=gbrp,colorchannelmixer=rr=0.75:gg=0.65:bb=0.4[ry];
[bg][t1]overlay=format=gbrp[a];[a][t2]overlay=format=gbrp[b];[b][t3]overlay=format=gbrp[c];[c][ry]blend=all_mode=screen,vignette=angle=0.5[v]
G
}

make_clip() { # file scene width height bitrate
  local file=$1 scene=$2 W=$3 H=$4 rate=$5
  local graph
  graph="sws_flags=$scale_flags;$("scene_$scene" "$W" "$H");"
  graph+="[v]scale=out_color_matrix=bt709:out_range=tv:flags=$scale_flags,format=yuv420p[o]"
  # Drawn once, losslessly, then encoded in two passes from that.
  ffmpeg -hide_banner -loglevel error -y -filter_threads 1 -filter_complex_threads 1 \
    -filter_complex "$graph" -map '[o]' -frames:v 96 -c:v ffv1 -threads 1 "$work/$file.mkv"
  local x264=(-c:v libx264 -threads 1 -preset veryslow -tune animation -profile:v high
    -pix_fmt yuv420p -colorspace bt709 -color_primaries bt709 -color_trc bt709
    -color_range tv -b:v "$rate" -x264-params "keyint=96:min-keyint=96"
    -passlogfile "$work/$file")
  ffmpeg -hide_banner -loglevel error -y -i "$work/$file.mkv" "${x264[@]}" -pass 1 \
    -an -f null /dev/null
  ffmpeg -hide_banner -loglevel error -y -i "$work/$file.mkv" "${x264[@]}" -pass 2 \
    -bsf:v filter_units=remove_types=6 -movflags +faststart -an -map_metadata -1 \
    -fflags +bitexact -flags:v +bitexact "$out/$file"
  rm -f "$work/$file.mkv"
  local size
  size=$(stat -c %s "$out/$file")
  echo "$file: ${W}x${H}, $size bytes"
  if [ "$size" -gt "$clip_limit" ]; then
    echo "too big: $file ($size bytes, at most $clip_limit)" >&2
    exit 1
  fi
}

# Every scene, or only those named as arguments (the budget is checked on all clips).
scenes=(flow sea night city forest)
for scene in "${@:-${scenes[@]}}"; do
  if [ "$scene" = flow ]; then prefix=""; else prefix="$scene-"; fi
  read -r wide square < <(rates "$scene")
  make_clip "${prefix}landscape.mp4" "$scene" 1280 720 "$wide"
  make_clip "${prefix}portrait.mp4" "$scene" 720 1280 "$wide"
  make_clip "${prefix}square.mp4" "$scene" 720 720 "$square"
done
files=()
for scene in "${scenes[@]}"; do
  if [ "$scene" = flow ]; then prefix=""; else prefix="$scene-"; fi
  files+=("$out/${prefix}landscape.mp4" "$out/${prefix}portrait.mp4" "$out/${prefix}square.mp4")
done
total=$(stat -c %s "${files[@]}" | awk '{ s += $1 } END { print s }')
echo "all clips: $total bytes"
if [ "$total" -gt "$total_limit" ]; then
  echo "too big: the clips make $total bytes, at most $total_limit" >&2
  exit 1
fi
