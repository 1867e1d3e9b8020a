"""Figures and the HTML report: plot functions take an Axes and return it; the report assembles
them with the verdict tables."""
