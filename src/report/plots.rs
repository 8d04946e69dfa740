//! SVG charts for the report: grouped bars, lines and heat maps, each with a title, axis labels
//! and a legend, drawn with plotters' SVG backend (text is emitted as `<text>` elements, so no
//! font library is needed).

use ndarray::Array2;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (860, 480);

/// Colours of successive series: a dark blue for the data, an orange for the model, then others.
const PALETTE: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

/// Title and axis labels of a chart (put the unit in the axis labels).
#[derive(Debug, Clone)]
pub struct ChartText {
    /// Title shown above the plot.
    pub title: String,
    /// Label of the horizontal axis, with its unit.
    pub x_label: String,
    /// Label of the vertical axis, with its unit.
    pub y_label: String,
}

impl ChartText {
    /// A title and two axis labels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        ChartText {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
        }
    }
}

/// A named line of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Name shown in the legend.
    pub name: String,
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Draw dashed (for model curves) rather than solid.
    pub dashed: bool,
}

/// A named shaded band between a lower and an upper line: `(x, low, high)` points, e.g. a
/// prediction interval around a forecast.
#[derive(Debug, Clone)]
pub struct Band {
    /// Name shown in the legend.
    pub name: String,
    /// The index of the series whose colour the band takes (lighter).
    pub series: usize,
    /// Points in increasing x.
    pub points: Vec<(f64, f64, f64)>,
}

fn plot_error<E: std::fmt::Display>(e: E) -> Error {
    Error::Plot(e.to_string())
}

/// The legend every chart uses: a light box with the series labels at `position`.
fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(plot_error)
}

/// An axis tick: whole numbers without decimals, others with few.
fn tick(v: &f64) -> String {
    let v = *v;
    if (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        format!("{:.0}", v)
    } else if v.abs() < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A range `[lo, hi]` with a margin, never empty.
fn padded(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
    let lo = if from_zero { lo.min(0.0) } else { lo };
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        hi.abs().max(1.0) * 0.05
    };
    (
        if from_zero && lo >= 0.0 {
            0.0
        } else {
            lo - pad
        },
        hi + pad,
    )
}

fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Grouped bar chart: one group per category, one bar per series.
///
/// ```
/// use clv::report::plots::{bar_chart, ChartText};
/// let svg = bar_chart(
///     &ChartText::new("Customers by repeat purchases", "repeat purchases", "customers"),
///     &["0".into(), "1".into(), "2+".into()],
///     &[("actual".into(), vec![10.0, 5.0, 2.0]), ("model".into(), vec![9.5, 5.5, 2.0])],
/// ).unwrap();
/// assert!(svg.contains("<svg") && svg.contains("Customers by repeat purchases"));
/// ```
pub fn bar_chart(
    text: &ChartText,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let n = categories.len().max(1);
        let top = finite_range(series.iter().flat_map(|(_, v)| v.iter().copied()))
            .map_or(1.0, |(_, hi)| hi.max(0.0));
        let (_, y_hi) = padded(0.0, top, true);
        let labels: Vec<String> = categories.to_vec();
        let mut chart = ChartBuilder::on(&root)
            .caption(&text.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0.0f64..y_hi)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(40))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&tick)
            .x_desc(&text.x_label)
            .y_desc(&text.y_label)
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(plot_error)?;
        let k = series.len().max(1) as f64;
        let width = 0.8 / k;
        for (s, (name, values)) in series.iter().enumerate() {
            let c = color(s);
            let left = -0.4 + s as f64 * width;
            chart
                .draw_series(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.is_finite())
                        .map(|(i, &v)| {
                            let x0 = i as f64 + left;
                            Rectangle::new([(x0, 0.0), (x0 + width * 0.95, v)], c.filled())
                        }),
                )
                .map_err(plot_error)?
                .label(name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// Line chart of several series, with an optional labelled vertical marker (for example the
/// end of the calibration period).
///
/// ```
/// use clv::report::plots::{line_chart, ChartText, Series};
/// let s = Series { name: "actual".into(), points: vec![(0.0, 0.0), (1.0, 2.0)], dashed: false };
/// let svg = line_chart(&ChartText::new("t", "week", "transactions"), &[s], Some((0.5, "calibration end"))).unwrap();
/// assert!(svg.contains("calibration end"));
/// ```
pub fn line_chart(
    text: &ChartText,
    series: &[Series],
    marker: Option<(f64, &str)>,
) -> Result<String> {
    line_chart_with_bands(text, series, &[], marker)
}

/// The same as [`line_chart`] with shaded bands drawn under the lines (each in the colour of
/// the series it names, lighter).
///
/// ```
/// use clv::report::plots::{line_chart_with_bands, Band, ChartText, Series};
/// let forecast = Series { name: "forecast".into(), points: vec![(0.0, 1.0), (1.0, 2.0)], dashed: true };
/// let band = Band { name: "90% interval".into(), series: 0, points: vec![(0.0, 0.5, 1.5), (1.0, 1.2, 2.9)] };
/// let svg = line_chart_with_bands(&ChartText::new("T", "weeks", "purchases"), &[forecast], &[band], None).unwrap();
/// assert!(svg.contains("90% interval") && svg.contains("<polygon"));
/// ```
pub fn line_chart_with_bands(
    text: &ChartText,
    series: &[Series],
    bands: &[Band],
    marker: Option<(f64, &str)>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let band_xs = bands.iter().flat_map(|b| b.points.iter().map(|p| p.0));
        let band_ys = bands
            .iter()
            .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2]));
        let xs = finite_range(
            series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .chain(band_xs),
        )
        .unwrap_or((0.0, 1.0));
        let ys = finite_range(
            series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .chain(band_ys),
        )
        .unwrap_or((0.0, 1.0));
        let x_range = if xs.1 > xs.0 {
            xs
        } else {
            (xs.0 - 1.0, xs.1 + 1.0)
        };
        let y_range = padded(ys.0, ys.1, ys.0 >= 0.0);
        let mut chart = ChartBuilder::on(&root)
            .caption(&text.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .x_desc(&text.x_label)
            .y_desc(&text.y_label)
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(BLACK.mix(0.05))
            .draw()
            .map_err(plot_error)?;
        if let Some((x, label)) = marker {
            let grey = BLACK.mix(0.5);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, y_range.0), (x, y_range.1)],
                    4,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(plot_error)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(" {label}"),
                    (x, y_range.0 + (y_range.1 - y_range.0) * 0.97),
                    ("sans-serif", 14).into_font().color(&grey),
                )))
                .map_err(plot_error)?;
        }
        for b in bands {
            let points: Vec<(f64, f64, f64)> = b
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite() && p.2.is_finite())
                .collect();
            let outline: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (p.0, p.2))
                .chain(points.iter().rev().map(|p| (p.0, p.1)))
                .collect();
            let fill = color(b.series).mix(0.18);
            chart
                .draw_series(std::iter::once(Polygon::new(outline, fill.filled())))
                .map_err(plot_error)?
                .label(b.name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], fill.filled()));
        }
        for (i, s) in series.iter().enumerate() {
            let style = color(i).stroke_width(2);
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            let anno = if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(points, 8, 5, style))
                    .map_err(plot_error)?
            } else {
                chart
                    .draw_series(LineSeries::new(points, style))
                    .map_err(plot_error)?
            };
            anno.label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// A colour from a light-yellow-to-dark-blue scale for `t` in `[0, 1]`.
fn scale_color(t: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [255.0, 255.0, 217.0]),
        (0.25, [161.0, 218.0, 180.0]),
        (0.5, [65.0, 182.0, 196.0]),
        (0.75, [34.0, 94.0, 168.0]),
        (1.0, [8.0, 29.0, 88.0]),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let k = STOPS.iter().position(|s| s.0 >= t).unwrap_or(4).max(1);
    let (t0, c0) = STOPS[k - 1];
    let (t1, c1) = STOPS[k];
    let f = (t - t0) / (t1 - t0);
    let mix = |j: usize| (c0[j] + f * (c1[j] - c0[j])).round() as u8;
    RGBColor(mix(0), mix(1), mix(2))
}

/// Heat map of `values` (rows = `y_centers`, columns = `x_centers`, equally spaced cell
/// centres) with a colour bar labelled `value_label`.
///
/// ```
/// use clv::report::plots::{heatmap, ChartText};
/// let v = ndarray::array![[0.1, 0.5], [0.9, 1.0]];
/// let svg = heatmap(&ChartText::new("P(alive)", "recency (weeks)", "frequency"), &[0.0, 1.0], &[0.0, 1.0], &v, "P(alive)").unwrap();
/// assert!(svg.contains("P(alive)"));
/// ```
pub fn heatmap(
    text: &ChartText,
    x_centers: &[f64],
    y_centers: &[f64],
    values: &Array2<f64>,
    value_label: &str,
) -> Result<String> {
    if values.dim() != (y_centers.len(), x_centers.len())
        || x_centers.is_empty()
        || y_centers.is_empty()
    {
        return Err(Error::Plot(format!(
            "heat map: {} x {} values for {} rows and {} columns",
            values.nrows(),
            values.ncols(),
            y_centers.len(),
            x_centers.len()
        )));
    }
    let half = |c: &[f64]| {
        if c.len() > 1 {
            (c[1] - c[0]) / 2.0
        } else {
            0.5
        }
    };
    let (hx, hy) = (half(x_centers), half(y_centers));
    let (v_lo, v_hi) = finite_range(values.iter().copied()).unwrap_or((0.0, 1.0));
    let v_span = if v_hi > v_lo { v_hi - v_lo } else { 1.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (main, bar) = root.split_horizontally(SIZE.0 - 120);
        let x0 = x_centers[0] - hx;
        let x1 = x_centers[x_centers.len() - 1] + hx;
        let y0 = y_centers[0] - hy;
        let y1 = y_centers[y_centers.len() - 1] + hy;
        let mut chart = ChartBuilder::on(&main)
            .caption(&text.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .x_desc(&text.x_label)
            .y_desc(&text.y_label)
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(plot_error)?;
        let mut cells = Vec::with_capacity(values.len());
        for (r, &y) in y_centers.iter().enumerate() {
            for (c, &x) in x_centers.iter().enumerate() {
                let v = values[(r, c)];
                if v.is_finite() {
                    let fill = scale_color((v - v_lo) / v_span);
                    cells.push(Rectangle::new(
                        [(x - hx, y - hy), (x + hx, y + hy)],
                        fill.filled(),
                    ));
                }
            }
        }
        chart.draw_series(cells).map_err(plot_error)?;

        // Colour bar: the value scale, labelled.
        let mut legend = ChartBuilder::on(&bar)
            .margin_top(50)
            .margin_bottom(60)
            .margin_right(10)
            .y_label_area_size(60)
            .caption(value_label, ("sans-serif", 15))
            .build_cartesian_2d(0.0f64..1.0, v_lo..(v_lo + v_span))
            .map_err(plot_error)?;
        legend
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_labels(6)
            .y_label_formatter(&tick)
            .y_label_style(("sans-serif", 12))
            .draw()
            .map_err(plot_error)?;
        let steps = 64;
        legend
            .draw_series((0..steps).map(|i| {
                let a = v_lo + v_span * i as f64 / steps as f64;
                let b = v_lo + v_span * (i + 1) as f64 / steps as f64;
                Rectangle::new(
                    [(0.0, a), (1.0, b)],
                    scale_color((i as f64 + 0.5) / steps as f64).filled(),
                )
            }))
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_scale_ends() {
        assert_eq!(scale_color(0.0), RGBColor(255, 255, 217));
        assert_eq!(scale_color(1.0), RGBColor(8, 29, 88));
        assert_eq!(scale_color(f64::NAN), RGBColor(255, 255, 217));
    }

    #[test]
    fn charts_have_titles_labels_and_legends() {
        let svg = bar_chart(
            &ChartText::new("Title A", "x axis (weeks)", "y axis (customers)"),
            &["0".into(), "1".into()],
            &[
                ("actual".into(), vec![3.0, 1.0]),
                ("model".into(), vec![2.5, 1.5]),
            ],
        )
        .unwrap();
        for s in [
            "Title A",
            "x axis (weeks)",
            "y axis (customers)",
            "actual",
            "model",
        ] {
            assert!(svg.contains(s), "bar chart lacks {s}");
        }
        let err = heatmap(
            &ChartText::new("h", "x", "y"),
            &[0.0],
            &[0.0, 1.0],
            &Array2::zeros((1, 1)),
            "v",
        );
        assert!(err.is_err());
    }
}
